#!/usr/bin/env bash
# What the kernel alone costs a server on this machine for item 4's fan-out (a 5,000-member room)
# and item 7's reconnect storm (19,000 clients): BENCHMARKS.md, "The kernel's floor".
#   bench/floor/run.sh [--quick] [OUT_DIR]
# --quick runs each program once with a few hundred sockets, as a check that they work (the
# test command does).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=
if [ "${1:-}" = --quick ]; then quick=1; shift; fi
out=${1:-$(mktemp -d)}
mkdir -p "$out"
command -v gcc >/dev/null || { echo "bench/floor needs gcc (apt-get install gcc)" >&2; exit 1; }
gcc -O2 -Wall -Werror -D_GNU_SOURCE -o "$out/fanout" "$here/fanout.c"
gcc -O2 -Wall -Werror -D_GNU_SOURCE -o "$out/reconnect" "$here/reconnect.c"
if [ -n "$quick" ]; then
    "$out/fanout" 200 10 200
    "$out/reconnect" 300
    exit
fi
for _ in 1 2 3; do "$out/fanout" 5000 40 200; done
for _ in 1 2 3; do "$out/fanout" 1000 200 200; done
for _ in 1 2; do "$out/reconnect" 19000; done
