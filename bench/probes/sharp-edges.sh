#!/usr/bin/env bash
# The sharp-edges probe (issue 14's closing note, items 1-7): the command
# lines and what they print, against one ssetape binary, all on 127.0.0.1.
#
#   bench/probes/sharp-edges.sh /tmp/ssetape
b=$(realpath "$1"); repo=$(cd "$(dirname "$0")/../.." && pwd); d=$(mktemp -d); cd $d
say() { echo; echo "\$ $*"; }
$b replay --quiet --listen 127.0.0.1:18401 --cors '*' >/dev/null 2>&1 & R=$!
sleep 1
echo "== 1. assert of a proxy's directory (with its CORS preflight)"
$b proxy --quiet --listen 127.0.0.1:18402 --upstream http://127.0.0.1:18401 -o rec/ >/dev/null 2>&1 & P=$!
sleep 1
curl -s -o /dev/null -X OPTIONS -H 'Origin: http://localhost:3000' -H 'Access-Control-Request-Method: POST' http://127.0.0.1:18402/api/chat
curl -sN -o /dev/null -X POST -d '{}' http://127.0.0.1:18402/api/chat/en
curl -sN -o /dev/null -X POST -d '{}' http://127.0.0.1:18402/api/chat/error
kill -INT $P; wait $P 2>/dev/null
say ssetape assert rec/; $b assert rec/; echo "exit $?"
echo "== 2. a live assert answered 404 prints the body"
say ssetape assert -d '{\"x\":1}' http://127.0.0.1:18401/api/nowhere; $b assert -d '{"x":1}' http://127.0.0.1:18401/api/nowhere 2>&1 | head -6; echo "exit ${PIPESTATUS[0]}"
echo "== 3. --fail-fast stops at the broken rule while the stream stays open (held)"
say "time ssetape assert --fail-fast -d '{}' -H 'Ssetape-Fault: inject:after=1,type=done;hold:after=3' .../api/chat/en"
start=$(date +%s.%N); $b assert --fail-fast -d '{}' -H 'Ssetape-Fault: inject:after=1,type=done;hold:after=3' --max-time 30s http://127.0.0.1:18401/api/chat/en 2>&1 | tail -4; rc=${PIPESTATUS[0]}; echo "exit $rc after $(echo "$(date +%s.%N) - $start" | bc | cut -c1-4) s (the held stream never ends by itself)"
kill $R; wait $R 2>/dev/null
echo "== 4. replay --contract --fail-on-violation: exit 1 at SIGTERM after a broken stream"
$b replay --listen 127.0.0.1:18403 --contract agent --fail-on-violation > r4.log 2>&1 & R=$!
sleep 1; curl -sN -o /dev/null -X POST -H 'Ssetape-Fault: drop:type=done' -d '{}' http://127.0.0.1:18403/api/chat/en
kill -TERM $R; wait $R; echo "replay --contract agent --fail-on-violation, a stream with its done dropped, SIGTERM: exit $?"; grep -E "AGT|broke" r4.log | head -3
$b replay --quiet --listen 127.0.0.1:18404 --contract agent > r4b.log 2>&1 & R=$!
sleep 1; curl -sN -o /dev/null -X POST -H 'Ssetape-Fault: drop:type=done' -d '{}' http://127.0.0.1:18404/api/chat/en
kill -TERM $R; wait $R; echo "the same without --fail-on-violation: exit $?"
echo "== 5. JUnit: <failure type> is the first error's rule, not a warning's"
$b inspect --format json >/dev/null 2>&1
printf 'event: text_delta\ndata: {"type":"text_delta","content":"a"}\n\nevent: final_answer\ndata: {"type":"final_answer","content":"b"}\n\nevent: done\ndata: {"type":"done"}\n\nevent: text_delta\ndata: {"type":"text_delta","content":"late"}\n\n' > w.sse
say ssetape assert --contract agent w.sse; $b assert --contract agent w.sse
say ssetape assert --contract agent --format junit w.sse; $b assert --contract agent --format junit w.sse | grep -oE '<failure message="[^"]{0,60}|type="[A-Z0-9-]+"' 
echo "== 6. proxy --mode replay-or-record answers a repeated request from this run's recording"
python3 - <<'PY' > up.log 2>&1 &
import http.server
n = 0
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        global n; n += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'event: done\ndata: {"type":"done","n":%d}\n\n' % n
        self.send_response(200); self.send_header("Content-Type", "text/event-stream"); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        print("upstream request", n, flush=True)
http.server.HTTPServer(("127.0.0.1", 18405), H).serve_forever()
PY
U=$!; sleep 1
$b proxy --quiet --listen 127.0.0.1:18406 --upstream http://127.0.0.1:18405 --mode replay-or-record -o rr/ >/dev/null 2>&1 & P=$!
sleep 1
for i in 1 2; do echo "call $i: $(curl -s -X POST -d '{"q":"same"}' http://127.0.0.1:18406/api/chat | tr -d '\n')"; done
echo "upstream saw $(grep -c 'upstream request' up.log) request(s)"
kill -INT $P; wait $P 2>/dev/null; kill $U
echo "== 7. the proxy's save path under -race with concurrent requests"
cd "$repo" && go test -race -count=1 -run "TestProxyConcurrentSaves|TestProxyLeavesNoGoroutines" -v ./cmd/ssetape ./recorder 2>&1 | grep -E "^(=== RUN|--- |ok|FAIL)" | head
rm -rf $d
