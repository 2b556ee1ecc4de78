#!/usr/bin/env bash
# The reliability probe (docs/benchmarks.md, issue 13's closing note): hostile
# and unlucky input against one ssetape binary, all on 127.0.0.1. Run it
# with a binary of the first round and with this one to compare:
#
#   bench/probes/reliability.sh /tmp/ssetape
b=$(realpath "$1"); here=$(cd "$(dirname "$0")" && pwd); d=$(mktemp -d); cd "$here"
echo "== 1. assert of a vercel stream whose tool-input-start has no toolCallId"
$b assert --contract vercel-ai vercel-no-toolcallid.sse > $d/a.out 2>&1; echo "exit $?; $(grep -c panic $d/a.out) panic lines; $(tail -1 $d/a.out | cut -c1-120)"
echo "== 2. one request with 3000 inject + 3000 chunk:size=1 faults"
$b replay --quiet --listen 127.0.0.1:18301 >/dev/null 2>&1 & p=$!; sleep 1.5
spec=$(python3 -c 'print(";".join(["inject:after=1,type=x,data=y"]*3000+["chunk:size=1"]*3000))')
/usr/bin/time -f "client wall %e s" curl -s -o $d/b.out -w "status %{http_code}, %{size_download} bytes\n" --max-time 60 -X POST -H "Ssetape-Fault: $spec" http://127.0.0.1:18301/api/chat/en -d "{}"
echo "server cpu $(ps -o times= -p $p) s; rss $(ps -o rss= -p $p) KiB; body: $(head -c 150 $d/b.out)"
spec=$(python3 -c 'print(";".join(["inject:after=1,type=x,data=y"]*32+["chunk:size=1"]*32))')
curl -s -o $d/b2.out -w "64 faults (32 inject + 32 chunk:size=1): status %{http_code}, %{size_download} bytes in %{time_total} s\n" --max-time 60 -X POST -H "Ssetape-Fault: $spec" http://127.0.0.1:18301/api/chat/en -d "{}"
spec=$(python3 -c 'print(";".join(["duplicate:type=text_delta,count=100000000"]*40+["chunk:size=1"]))')
curl -s -o $d/b3.out -w "40 duplicate count=100000000 + chunk:size=1: status %{http_code} in %{time_total} s: " --max-time 120 -X POST -H "Ssetape-Fault: $spec" http://127.0.0.1:18301/api/chat/en -d '{}'; head -c 160 $d/b3.out; echo
echo "server cpu $(ps -o times= -p $p) s; peak rss $(grep VmHWM /proc/$p/status | awk '{print $2}') KiB"
kill $p; wait $p 2>/dev/null
echo "== 3. record a stream with a 2 MiB event"
python3 "$here/upstream.py" 18302 long & u=$!; sleep 1
(cd $d && $b record -o long.yaml http://127.0.0.1:18302/ >/dev/null 2>$d/c.err; echo "exit $?; stderr: $(tail -1 $d/c.err | cut -c1-150)"; ls -la long.yaml 2>&1 | awk '{print $5, $9}'; grep -n "reason\|error:" long.yaml 2>/dev/null | head -3)
kill $u
echo "== 4. record an upstream that sends X-Auth-Token and echoes an sk-proj- key"
python3 "$here/upstream.py" 18303 secret & u=$!; sleep 1
(cd $d && $b record -o s.yaml "http://127.0.0.1:18303/?auth_token=qwerty12345" >/dev/null 2>$d/d.err; echo "exit $?; secrets on disk: $(grep -c 'sk-proj-AbCd\|tok-abc123secret\|qwerty12345' s.yaml) lines; on the console: $(grep -c 'qwerty12345' $d/d.err) lines")
kill $u
echo "== 5. mode of a cassette under umask 077"
python3 "$here/upstream.py" 18304 secret & u=$!; sleep 1
(cd $d && umask 077 && $b record -o m.yaml http://127.0.0.1:18304/ >/dev/null 2>&1); stat -c "%a %n" $d/m.yaml; kill $u
rm -rf $d
