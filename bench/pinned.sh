#!/usr/bin/env bash
# Runs `natter bench` against a server of its own pinned to core 0, with the load on core 1, as
# BENCHMARKS.md's tables were measured. The server binary may differ from the bench's, to
# compare two builds under the same load.
#
#   bench/pinned.sh SERVER_BIN [natter bench arguments...]
#   bench/pinned.sh target/release/natter storm --json storm.json
#
# BENCH_BIN picks the binary that runs the load (default: target/release/natter); SERVER_ARGS
# adds settings to the server, e.g. SERVER_ARGS="--durability normal". DATA_DIR keeps the
# server's data in that directory instead of a temporary one; with the bench's --accounts
# FILE, a later run uses the same accounts again instead of registering them anew:
#
#   DATA_DIR=/tmp/storm-data bench/pinned.sh BIN storm --connections 19000 --accounts /tmp/storm-data/accounts
set -euo pipefail
server_bin=${1:?usage: bench/pinned.sh SERVER_BIN [bench arguments...]}
shift
bench_bin=${BENCH_BIN:-target/release/natter}
data=${DATA_DIR:-$(mktemp -d)}
mkdir -p "$data"
remove=$([ -n "${DATA_DIR:-}" ] || echo "$data")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The server keeps a tenth of its open-files limit for itself unless told a cap; a crowd as big
# as the limit allows needs all but a few hundred (unless SERVER_ARGS sets a cap of its own).
cap=()
if [[ " ${SERVER_ARGS:-} " != *" --max-connections "* ]]; then
    hard=$(ulimit -Hn)
    [ "$hard" = unlimited ] || cap=(--max-connections $((hard > 1000 ? hard - 200 : hard)))
fi
taskset -c 0 "$server_bin" serve --listen "127.0.0.1:$port" --data-dir "$data" \
    --registration open --rate-limit all=off --max-conns-per-addr 1000000 \
    "${cap[@]}" ${SERVER_ARGS:-} \
    >/dev/null 2>"$data/log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; [ -z "$remove" ] || rm -rf "$remove"' EXIT
for _ in $(seq 300); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
taskset -c 1 "$bench_bin" bench --server "http://127.0.0.1:$port" --server-pid "$server" "$@"
echo "server warnings: $(grep -c '"WARN"' "$data/log" || true)"
