#!/usr/bin/env bash
# Runs one of the Node.js peer chat servers (see PROTOCOL.md) in the foreground.
#
#   bench/peers/start.sh ws|socketio PORT
#   taskset -c 0 bench/peers/start.sh ws 18100
#
# Installs the peer's locked dependencies first when node_modules is missing or was installed
# from another package-lock.json, then execs node, so this script's pid is the server's pid
# (natter bench reads /proc/PID for CPU and RSS, and a taskset applied by the caller holds).
# npm's output goes to stderr; the server prints one line, "listening on PORT", to stderr.
# NODE picks the node binary (default: node from PATH; Node 20 or later).
set -euo pipefail

usage='usage: start.sh ws|socketio PORT'
name=${1:?$usage}
port=${2:?$usage}
case $name in
    ws | socketio) ;;
    *) echo "start.sh: NAME must be ws or socketio, got '$name'" >&2; exit 2 ;;
esac
case $port in
    '' | *[!0-9]*) echo "start.sh: PORT must be a number, got '$port'" >&2; exit 2 ;;
esac

cd "$(dirname "${BASH_SOURCE[0]}")/$name"

# node_modules is keyed on package-lock.json, so that a changed pin reinstalls.
stamp=node_modules/.natter-package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules || ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    echo "start.sh: installing the $name peer's dependencies (npm ci)" >&2
    npm ci --omit=dev --no-audit --no-fund >&2
    echo "$want" > "$stamp"
fi

export PORT=$port
exec "${NODE:-node}" server.js
