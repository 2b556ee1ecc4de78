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
# least a server can do: what one write per event costs on this machine;
# "floorbatch" for the same with each tick's writes in one system call, as
# ssetape's schedulers make them on Linux (floorserver -batch);
# add "baseline" for ssetape built from another commit, the binary named
# by BASELINE, to compare before and after in one interleaved run),
# SSETAPE_FLAGS (more flags for the ssetape peer, such as "--journal 0"),
# RECORDED (0; 1 replays the workload as ssetape record recorded it from
# plain Go instead of the generated cassette),
# CLIENTS ("default"; "default quiet" measures each case both ways): a quiet
# client is the same load tool with the same flags, run with GOGC=off and
# its descriptor table grown before it starts, which takes out the load
# tool's own stalls (its garbage collector, and the table doubling inside
# socket(2)); see docs/benchmarks.md. Its reports are PEER-quiet-nN-rR.txt.
# TIMELINE=1 builds the load tool with bench/load/timeline added and runs it
# with GODEBUG=gctrace=1: bench/cmd/stalls REPORT then lines up the late
# events with the client's collections and table doublings.
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

(cd "$shared/load" && go build -o "$work/plaingo" ./plaingo) || exit 1
client_env=()
if [ "${TIMELINE:-0}" = 1 ]; then
	# The load tool with a timeline of its late events (bench/load/timeline),
	# and the client's garbage collections in its report; bench/cmd/stalls
	# reads the two together.
	"$here/timeline/build.sh" "$shared/load" "$work/load" || exit 1
	client_env=(GODEBUG=gctrace=1)
else
	(cd "$shared/load" && go build -o "$work/load" .) || exit 1
fi
(cd "$repo" && go build -o "$work/ssetape" ./cmd/ssetape) || exit 1
(cd "$repo/bench" && go run ./cmd/workload -sse "$shared/load/workload/workload.sse" -o "$work/workload.yaml" &&
	go build -o "$work/floorserver" ./cmd/floorserver) || exit 1
# RECORDED=1 replays, instead of the generated workload cassette, the
# workload as ssetape record recorded it from the plain Go server (its
# real chunks and timing, as a user's recording has).
cassette="$work/workload.yaml"
if [ "${RECORDED:-0}" = 1 ]; then
	"$work/plaingo" -addr 127.0.0.1:18089 >/dev/null 2>&1 &
	pg=$!
	for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/18089) 2>/dev/null && break; sleep 0.1; done
	"$work/ssetape" record -o "$work/recorded.yaml" http://127.0.0.1:18089/ >/dev/null || exit 1
	kill "$pg"
	wait "$pg" 2>/dev/null
	# The recording matches GET / as recorded; the load tool sends GET /.
	cassette="$work/recorded.yaml"
	echo "recorded $(grep -c '^ *- {at:' "$cassette") lines from plain Go into $cassette"
fi
peers=${PEERS:-plaingo ssetape}
clients=${CLIENTS:-default}

# run_load MODE CMD...: runs the load tool as MODE (default or quiet) says.
run_load() {
	local mode=$1
	shift
	case $mode in
	default) env "${client_env[@]}" "$@" ;;
	quiet)
		# A descriptor open near the limit sizes the table the tool
		# inherits; the tool raises its soft limit to the hard one.
		(
			ulimit -n "$(ulimit -Hn)" 2>/dev/null
			lim=$(ulimit -n)
			case $lim in '' | *[!0-9]*) lim=65536 ;; esac # "unlimited"
			top=$((lim - 1))
			[ "$top" -gt 65535 ] && top=65535
			eval "exec $top</dev/null"
			exec env GOGC=off "${client_env[@]}" "$@"
		)
		;;
	*) echo "unknown client mode $mode (CLIENTS: default quiet)" >&2; return 2 ;;
	esac
}

stop_server() {
	kill "$srv" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
}

# measure_one N REP CLIENT PEER: one run, reported as $out/NAME-nN-rREP.txt.
measure_one() {
	local n=$1 rep=$2 client=$3 peer=$4 name=$4 port start
	[ "$client" = default ] || name=$peer-$client
	case $peer in
	plaingo) port=18081; start=("$work/plaingo" -addr 127.0.0.1:$port) ;;
	ssetape) port=18085; start=("$work/ssetape" replay --quiet --listen 127.0.0.1:$port ${SSETAPE_FLAGS:-} "$cassette") ;;
	baseline)
		[ -n "${BASELINE:-}" ] || { echo "PEERS has baseline: set BASELINE to an ssetape binary built from another commit" >&2; exit 2; }
		port=18087; start=("$BASELINE" replay --quiet --listen 127.0.0.1:$port "$cassette") ;;
	floor) port=18086; start=("$work/floorserver" -sse "$shared/load/workload/workload.sse" -addr 127.0.0.1:$port) ;;
	floorbatch) port=18084; start=("$work/floorserver" -batch -sse "$shared/load/workload/workload.sse" -addr 127.0.0.1:$port) ;;
	*) echo "unknown peer $peer (PEERS: plaingo ssetape floor floorbatch baseline)" >&2; exit 2 ;;
	esac
	taskset -c 0 "${start[@]}" >"$out/$name-n$n-r$rep.server.log" 2>&1 &
	srv=$!
	for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
	sleep 0.5
	run_load "$client" taskset -c 1 "$work/load" -url "http://127.0.0.1:$port/" -n "$n" -ramp "$ramp" \
		-timeout "$timeout" -pid "$srv" -q -label "$peer n=$n rep=$rep pin=split client=$client" \
		>"$out/$name-n$n-r$rep.txt" 2>&1
	stop_server
	srv=""
	echo "== $peer n=$n rep=$rep client=$client"
	grep -E '^(streams|events|lateness|ttfb|peak|load-generator|server)' "$out/$name-n$n-r$rep.txt" | sed 's/^/   /'
	sleep "$gap"
}

echo "# $(go version | cut -d' ' -f3), kernel $(uname -r), $(nproc) cpus, reports in $out"
for n in $ns; do
	for rep in $(seq 1 "$reps"); do
		for client in $clients; do
			for peer in $peers; do
				measure_one "$n" "$rep" "$client" "$peer"
			done
		done
	done
done
echo
(cd "$repo/bench" && go run ./cmd/loadsummary "$out")
