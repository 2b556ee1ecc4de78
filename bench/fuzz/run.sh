#!/usr/bin/env bash
# Runs every fuzz target of the main module for a while and prints, per
# target, how fast it ran, its longest stretch at 0 execs/s, how many new
# inputs it found and whether it crashed: the figures docs/benchmarks.md
# gives. Run by hand, not in CI (which runs the seed corpora through go test).
#
#   bench/fuzz/run.sh                 # every target, 5 minutes each
#   FUZZTIME=30s bench/fuzz/run.sh FuzzPresets FuzzParse
#   PARALLEL=1 bench/fuzz/run.sh ...  # one worker each (-parallel), to run two lists side by side
#
# Minimization is limited to 1000 runs per input (-fuzzminimizetime 1000x).
# Go's minimizer tries to remove every span of bytes of each new input it
# finds, quadratic in the input's length; with its default limit of 60 s a
# target on dense SSE input spent most of its time minimizing, at 0 execs/s
# (FuzzPresets: 5 new inputs in 60 s, against 121 in 30 s with the limit).
# A crasher is still written to testdata/fuzz, minimized as far as the
# limit allows.
set -uo pipefail
cd "$(dirname "$0")/../.."
FUZZTIME=${FUZZTIME:-5m}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(grep -rhoE '^func (Fuzz[A-Za-z0-9_]+)\(' --include='*_test.go' --exclude-dir=bench --exclude-dir=node_modules . | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/' | sort -u)
fi
printf '| target | package | execs/s (average) | longest 0 execs/s | new inputs | corpus | result |\n| --- | --- | --- | --- | --- | --- | --- |\n'
for t in "${targets[@]}"; do
  pkg=$(grep -rlE "^func $t\(" --include='*_test.go' --exclude-dir=bench --exclude-dir=node_modules . | head -1 | xargs dirname)
  log=$(mktemp)
  go test -run '^$' -fuzz "^$t\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 1000x ${PARALLEL:+-parallel "$PARALLEL"} "$pkg" >"$log" 2>&1
  rc=$?
  # Lines: "fuzz: elapsed: 3s, execs: 4461 (1487/sec), new interesting: 3 (total: 12)"
  stats=$(awk '
    /fuzz: elapsed:/ {
      match($0, /elapsed: [0-9hms.]+/); e=substr($0, RSTART+9, RLENGTH-9)
      s=0; if (e ~ /h/) { split(e, a, "h"); s+=a[1]*3600; e=a[2] } if (e ~ /m/) { split(e, a, "m"); s+=a[1]*60; e=a[2] } sub(/s/, "", e); s+=e
      match($0, /execs: [0-9]+/); x=substr($0, RSTART+7, RLENGTH-7)+0
      match($0, /new interesting: [0-9]+/); n=substr($0, RSTART+17, RLENGTH-17)+0
      if (match($0, /total: [0-9]+/)) total=substr($0, RSTART+7, RLENGTH-7)+0
      if (x == px && s > ps) { run += s - ps; if (run > worst) worst = run } else { run = 0 }
      px = x; ps = s; last = s; execs = x; found = n
    }
    END { if (last > 0) printf "%d %.0f %d %d", execs / last, worst, found, total; else print "0 0 0 0" }' "$log")
  read -r rate worst found total <<<"$stats"
  result=ok
  if [ $rc -ne 0 ]; then
    if grep -q "context deadline exceeded" "$log" && ! grep -q "Failing input written" "$log"; then
      result="ok (ended with Go's coordinator race, golang/go#75804)"
    else
      result="FAILED: $(grep -m1 -E 'Failing input|panic|--- FAIL' "$log")"
    fi
  fi
  printf '| %s | %s | %s | %s s | %s | %s | %s |\n' "$t" "${pkg#./}" "$rate" "$worst" "$found" "$total" "$result"
  rm -f "$log"
done
