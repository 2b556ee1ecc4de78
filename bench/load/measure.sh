#!/usr/bin/env bash
# Side-by-side load measurement: the plain Go baseline of ../shared/load and
# ssetape replay serving the same workload, each fresh on 127.0.0.1, with
# the server pinned to cpu 0 and the load tool to cpu 1 (PIN=split).
#
#   bench/load/measure.sh [N ...]        # default: 5000 10000
#   REPS=3 bench/load/measure.sh 5000    # medians need 3 runs
#
# Environment: REPS (1), RAMP (2s), TIMEOUT (60s), GAP (5, seconds between
# runs), SHARED (../shared beside the checkout), OUT (reports; a temp dir),
# PEERS ("plaingo ssetape"; add "floor" for bench/cmd/floorserver, the
# least a server can do: what one write per event costs on this machine).
# It ends with bench/cmd/loadsummary: medians and every run, the server's
# own p99 write lateness beside the client's, and the client's CPU and lag.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
shared=${SHARED:-$(cd "$repo/../shared" && pwd)}
ns=${*:-5000 10000}
reps=${REPS:-1}
ramp=${RAMP:-2s}
timeout=${TIMEOUT:-60s}
gap=${GAP:-5}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
work=$(mktemp -d)
srv=""
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

(cd "$shared/load" && go build -o "$work/load" . && go build -o "$work/plaingo" ./plaingo) || exit 1
(cd "$repo" && go build -o "$work/ssetape" ./cmd/ssetape) || exit 1
(cd "$repo/bench" && go run ./cmd/workload -sse "$shared/load/workload/workload.sse" -o "$work/workload.yaml" &&
	go build -o "$work/floorserver" ./cmd/floorserver) || exit 1
peers=${PEERS:-plaingo ssetape}

stop_server() {
	kill "$srv" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
}

echo "# $(go version | cut -d' ' -f3), kernel $(uname -r), $(nproc) cpus, reports in $out"
for n in $ns; do
	for rep in $(seq 1 "$reps"); do
		for peer in $peers; do
			case $peer in
			plaingo) port=18081; start=("$work/plaingo" -addr 127.0.0.1:$port) ;;
			ssetape) port=18085; start=("$work/ssetape" replay --quiet --listen 127.0.0.1:$port "$work/workload.yaml") ;;
			floor) port=18086; start=("$work/floorserver" -sse "$shared/load/workload/workload.sse" -addr 127.0.0.1:$port) ;;
			*) echo "unknown peer $peer (PEERS: plaingo ssetape floor)" >&2; exit 2 ;;
			esac
			taskset -c 0 "${start[@]}" >"$out/$peer-n$n-r$rep.server.log" 2>&1 &
			srv=$!
			for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
			sleep 0.5
			taskset -c 1 "$work/load" -url "http://127.0.0.1:$port/" -n "$n" -ramp "$ramp" -timeout "$timeout" \
				-pid "$srv" -q -label "$peer n=$n rep=$rep pin=split" >"$out/$peer-n$n-r$rep.txt" 2>&1
			stop_server
			srv=""
			echo "== $peer n=$n rep=$rep"
			grep -E '^(streams|events|lateness|ttfb|peak|load-generator|server)' "$out/$peer-n$n-r$rep.txt" | sed 's/^/   /'
			sleep "$gap"
		done
	done
done
echo
(cd "$repo/bench" && go run ./cmd/loadsummary "$out")
