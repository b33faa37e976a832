#!/usr/bin/env bash
# Measures natter and its peers with the same load, one after the other, each server pinned to
# core 0 and the load to core 1, and prints one table per scenario with the ratios to natter
# (the tables of BENCHMARKS.md).
#
#   bench/compare.sh OUT_DIR [natter bench arguments, e.g. --quick or --connections 5000]
#
# natter runs sends, history, fanout and idle; the Node `ws` and Socket.IO peers
# (bench/peers/start.sh) sends, fanout and idle; Synapse (bench/peers/synapse/start.sh) sends
# and history, each scenario against a server started afresh. Each writes
# OUT_DIR/TARGET.SCENARIO.json. PEERS picks the peers (default "ws socketio
# matrix"); NATTER_BIN the natter binary (default target/release/natter). Needs Node.js 20 and
# Python 3.11; the peers install their pinned dependencies on first start.
set -euo pipefail
out=${1:?usage: bench/compare.sh OUT_DIR [bench arguments...]}
shift
mkdir -p "$out"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${NATTER_BIN:-target/release/natter}
server=

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

stop() {
    if [[ -n $server ]]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
        server=
    fi
}
trap stop EXIT

# measure TARGET SCENARIOS -- COMMAND...: for each scenario, starts COMMAND afresh (it must
# exec the server, listening on $port) on core 0, waits for it, and runs the scenario against
# it from core 1, so no scenario inherits another's memory or data.
measure() {
    local target=$1 scenarios=$2 scenario
    shift 3
    for scenario in $scenarios; do
        echo "== $target: $scenario" >&2
        rm -rf "$data"/*
        taskset -c 0 "$@" >/dev/null 2>"$out/$target.log" &
        server=$!
        for _ in $(seq 600); do
            (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
            kill -0 "$server" 2>/dev/null || { cat "$out/$target.log" >&2; exit 1; }
            sleep 0.1
        done
        taskset -c 1 "$bin" bench --server "http://127.0.0.1:$port" --server-pid "$server" \
            --protocol "$target" --json "$out/$target.$scenario.json" "${bench_args[@]}" \
            "$scenario"
        stop
    done
}

bench_args=("$@")
data=$(mktemp -d)
port=$(free_port)
measure natter "sends history fanout idle" -- "$bin" serve --listen "127.0.0.1:$port" \
    --data-dir "$data/natter" --registration open --rate-limit all=off \
    --max-conns-per-addr 1000000
for peer in ${PEERS:-ws socketio matrix}; do
    port=$(free_port)
    case $peer in
        ws | socketio) measure "$peer" "sends fanout idle" -- "$here/peers/start.sh" "$peer" "$port" ;;
        matrix) measure matrix "sends history" -- "$here/peers/synapse/start.sh" "$port" "$data/synapse" ;;
        *) echo "compare.sh: no peer $peer (ws, socketio, matrix)" >&2; exit 2 ;;
    esac
done
rm -rf "$data"
python3 "$here/table.py" "$out"/*.json
