package replayer_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/replayer/replayertest"
	"github.com/ssetape/ssetape/sse"
)

const fiveEvents = `version: 1
interactions:
  - request: {path: /s}
    response:
      headers: {Content-Type: [text/event-stream]}
      entries:
        - {at: 0s, event: thinking, data: '{"type":"thinking"}'}
        - {at: 20ms, id: '1', event: text_delta, data: '{"type":"text_delta","content":"日本"}'}
        - {at: 40ms, event: text_delta, data: '{"type":"text_delta","content":"b"}'}
        - {at: 60ms, event: tool_call, data: '{"type":"tool_call"}'}
        - {at: 80ms, event: done, data: '{"type":"done"}'}
`

// wireResult is what a raw client saw.
type wireResult struct {
	status  int
	header  map[string]string
	chunks  []string // HTTP chunks, one per server write
	body    string
	clean   bool  // the body ended with the last chunk (0\r\n\r\n)
	err     error // how reading stopped otherwise (EOF, reset, timeout)
	took    time.Duration
	headers time.Duration
}

func (w wireResult) types(t *testing.T) []string {
	var out []string
	d := sse.NewDecoder(strings.NewReader(w.body))
	for {
		e, err := d.Next()
		if err != nil {
			return out
		}
		out = append(out, e.Type)
	}
}

func (w wireResult) events(t *testing.T) []sse.Event {
	var out []sse.Event
	d := sse.NewDecoder(strings.NewReader(w.body))
	for {
		e, err := d.Next()
		if err != nil {
			return out
		}
		out = append(out, e)
	}
}

// wireGet sends GET path with optional headers and reads the response
// itself, parsing the chunked framing; it gives up after limit.
func wireGet(t *testing.T, base, path string, limit time.Duration, headers ...string) wireResult {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(limit))
	req := "GET " + path + " HTTP/1.1\r\nHost: x\r\n"
	for i := 0; i+1 < len(headers); i += 2 {
		req += headers[i] + ": " + headers[i+1] + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res := wireResult{header: map[string]string{}}
	line, err := br.ReadString('\n')
	if err != nil {
		res.err = err
		return res
	}
	res.headers = time.Since(start)
	res.status, _ = strconv.Atoi(strings.Fields(line)[1])
	for {
		line, err = br.ReadString('\n')
		if err != nil {
			res.err = err
			return res
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		k, v, _ := strings.Cut(line, ": ")
		res.header[k] = v
	}
	if res.header["Transfer-Encoding"] != "chunked" {
		var b []byte
		if n, err := strconv.Atoi(res.header["Content-Length"]); err == nil {
			b = make([]byte, n)
			_, res.err = io.ReadFull(br, b)
		} else if res.status != 204 && res.status != 304 {
			b, res.err = io.ReadAll(br)
		}
		res.body, res.took = string(b), time.Since(start)
		return res
	}
	for {
		line, err = br.ReadString('\n')
		if err != nil {
			res.err = err
			break
		}
		n, perr := strconv.ParseInt(strings.TrimRight(line, "\r\n"), 16, 64)
		if perr != nil {
			res.err = perr
			break
		}
		if n == 0 {
			res.clean = true
			break
		}
		buf := make([]byte, n+2)
		if _, err = io.ReadFull(br, buf); err != nil {
			res.err = err
			break
		}
		res.chunks = append(res.chunks, string(buf[:n]))
		res.body += string(buf[:n])
	}
	res.took = time.Since(start)
	return res
}

func startFaulty(t *testing.T, opts replayer.Options) string {
	t.Helper()
	_, u := replayertest.Start(t, opts, load(t, fiveEvents))
	return u
}

func isReset(err error) bool { return err != nil && strings.Contains(err.Error(), "reset") }

func isTimeout(err error) bool {
	return err != nil && (errors.Is(err, os.ErrDeadlineExceeded) || strings.Contains(err.Error(), "timeout"))
}

func TestFaultsOnTheWire(t *testing.T) {
	maxPace := replayer.Options{Pacing: replayer.Pacing{Max: true}}
	u := startFaulty(t, maxPace)
	all := []string{"thinking", "text_delta", "text_delta", "tool_call", "done"}
	cases := []struct {
		fault string
		check func(t *testing.T, w wireResult)
	}{
		{"none", func(t *testing.T, w wireResult) {
			if !equal(w.types(t), all) || !w.clean || len(w.chunks) != 5 {
				t.Errorf("types %v clean %v chunks %d", w.types(t), w.clean, len(w.chunks))
			}
		}},
		{"close:after=2", func(t *testing.T, w wireResult) {
			if !equal(w.types(t), all[:2]) || !w.clean {
				t.Errorf("types %v clean %v err %v", w.types(t), w.clean, w.err)
			}
		}},
		{"close:bytes=10", func(t *testing.T, w wireResult) {
			if w.body != "event: thi" || !w.clean {
				t.Errorf("body %q clean %v", w.body, w.clean)
			}
		}},
		{"reset:after=2", func(t *testing.T, w wireResult) {
			if !equal(w.types(t), all[:2]) || w.clean || !isReset(w.err) {
				t.Errorf("types %v clean %v err %v", w.types(t), w.clean, w.err)
			}
		}},
		{"stall:after=1", func(t *testing.T, w wireResult) {
			if !equal(w.types(t), all[:1]) || w.clean || !isTimeout(w.err) {
				t.Errorf("types %v clean %v err %v: want the connection open and silent", w.types(t), w.clean, w.err)
			}
		}},
		{"stall:after=0", func(t *testing.T, w wireResult) {
			if w.status != 200 || len(w.chunks) != 0 || w.clean || !isTimeout(w.err) {
				t.Errorf("status %d, %d chunks, clean %v, %v: want headers, then an open silent connection", w.status, len(w.chunks), w.clean, w.err)
			}
		}},
		{"stall:after=1,for=300ms", func(t *testing.T, w wireResult) {
			if !equal(w.types(t), all) || !w.clean || w.took < 250*time.Millisecond {
				t.Errorf("types %v clean %v took %v", w.types(t), w.clean, w.took)
			}
		}},
		{"delay:headers=300ms", func(t *testing.T, w wireResult) {
			if w.headers < 250*time.Millisecond || !equal(w.types(t), all) {
				t.Errorf("headers after %v, types %v", w.headers, w.types(t))
			}
		}},
		{"status:code=503,retry-after=7", func(t *testing.T, w wireResult) {
			if w.status != 503 || w.header["Retry-After"] != "7" || !strings.Contains(w.body, "503") || len(w.types(t)) != 0 {
				t.Errorf("status %d headers %v body %q", w.status, w.header, w.body)
			}
		}},
		{"status:code=204", func(t *testing.T, w wireResult) {
			if w.status != 204 || w.body != "" {
				t.Errorf("status %d body %q", w.status, w.body)
			}
		}},
		{"status:code=429,body=slow down", func(t *testing.T, w wireResult) {
			if w.status != 429 || w.body != "slow down" {
				t.Errorf("status %d body %q", w.status, w.body)
			}
		}},
		{"content-type:value=application/json", func(t *testing.T, w wireResult) {
			if w.header["Content-Type"] != "application/json" || !equal(w.types(t), all) {
				t.Errorf("content type %q", w.header["Content-Type"])
			}
		}},
		{"content-type:value=", func(t *testing.T, w wireResult) {
			if _, has := w.header["Content-Type"]; has || !equal(w.types(t), all) {
				t.Errorf("headers %v", w.header)
			}
		}},
		{"corrupt:event=2,kind=json", func(t *testing.T, w wireResult) {
			evs := w.events(t)
			if len(evs) != 5 || json.Valid([]byte(evs[1].Data)) || !json.Valid([]byte(evs[0].Data)) || !json.Valid([]byte(evs[2].Data)) {
				t.Errorf("events %+v", evs)
			}
		}},
		{"corrupt:type=done,kind=utf8", func(t *testing.T, w wireResult) {
			evs := w.events(t)
			if len(evs) != 5 || !strings.Contains(evs[4].Data, "\uFFFD") || utf8.ValidString(w.body) {
				t.Errorf("done data %q", evs[len(evs)-1].Data)
			}
		}},
		{"corrupt:event=1,kind=garbage", func(t *testing.T, w wireResult) {
			evs := w.events(t)
			if len(evs) != 5 || len(evs[0].Data) != len(`{"type":"thinking"}`) || evs[0].Data == `{"type":"thinking"}` {
				t.Errorf("event 1 data %q", evs[0].Data)
			}
		}},
		{"truncate:event=3", func(t *testing.T, w wireResult) {
			if !equal(w.types(t), all[:2]) || !w.clean || !strings.HasSuffix(w.body, `data: {"type":"text_delt`) {
				t.Errorf("types %v clean %v body ends %q", w.types(t), w.clean, w.body[max(0, len(w.body)-30):])
			}
		}},
		{"merge:event=2", func(t *testing.T, w wireResult) {
			evs := w.events(t)
			if len(evs) != 4 || !strings.Contains(evs[1].Data, "日本\"}\n{") {
				t.Errorf("events %+v", evs)
			}
		}},
		{"drop:event=2", func(t *testing.T, w wireResult) {
			if want := []string{"thinking", "text_delta", "tool_call", "done"}; !equal(w.types(t), want) {
				t.Errorf("types %v", w.types(t))
			}
		}},
		{"drop:type=text_delta", func(t *testing.T, w wireResult) {
			if want := []string{"thinking", "tool_call", "done"}; !equal(w.types(t), want) {
				t.Errorf("types %v", w.types(t))
			}
		}},
		{"drop:type=text_delta,count=1;drop:event=4", func(t *testing.T, w wireResult) {
			if want := []string{"thinking", "text_delta", "done"}; !equal(w.types(t), want) {
				t.Errorf("types %v", w.types(t))
			}
		}},
		{"duplicate:event=5", func(t *testing.T, w wireResult) {
			if want := append(append([]string{}, all...), "done"); !equal(w.types(t), want) {
				t.Errorf("types %v", w.types(t))
			}
		}},
		{"reorder:event=3", func(t *testing.T, w wireResult) {
			if want := []string{"thinking", "text_delta", "tool_call", "text_delta", "done"}; !equal(w.types(t), want) {
				t.Errorf("types %v", w.types(t))
			}
		}},
		{"omit-last", func(t *testing.T, w wireResult) {
			if !equal(w.types(t), all[:4]) || !w.clean {
				t.Errorf("types %v", w.types(t))
			}
		}},
		{`inject:after=2,type=error,data="{\"type\":\"error\",\"message\":\"a, b; c\"}"`, func(t *testing.T, w wireResult) {
			evs := w.events(t)
			if len(evs) != 6 || evs[2].Type != "error" || evs[2].Data != `{"type":"error","message":"a, b; c"}` {
				t.Errorf("events %+v", evs)
			}
		}},
		{"inject:after=5,type=done", func(t *testing.T, w wireResult) {
			evs := w.events(t)
			if len(evs) != 6 || evs[5].Type != "done" || evs[5].Data != `{"type":"done"}` {
				t.Errorf("events %+v", evs)
			}
		}},
		{"chunk:size=1", func(t *testing.T, w wireResult) {
			if !equal(w.types(t), all) || len(w.chunks) != len(w.body) {
				t.Errorf("%d chunks for %d bytes", len(w.chunks), len(w.body))
			}
		}},
		{"chunk:split=utf8,gap=1ms", func(t *testing.T, w wireResult) {
			cut := false
			for _, c := range w.chunks {
				cut = cut || !utf8.ValidString(c)
			}
			if !cut || !equal(w.types(t), all) {
				t.Errorf("no chunk ends inside a character: %q", w.chunks)
			}
		}},
		{"eol:to=crlf;chunk:split=crlf", func(t *testing.T, w wireResult) {
			ends := 0
			for _, c := range w.chunks {
				if strings.HasSuffix(c, "\r") {
					ends++
				}
			}
			if ends < 10 || !equal(w.types(t), all) || strings.Count(w.body, "\r\n") != 16 {
				t.Errorf("%d chunks end inside a CRLF; body %q", ends, w.body)
			}
		}},
		{"chunk:coalesce", func(t *testing.T, w wireResult) {
			if len(w.chunks) != 1 || !equal(w.types(t), all) {
				t.Errorf("%d chunks", len(w.chunks))
			}
		}},
		{"eol:to=cr", func(t *testing.T, w wireResult) {
			if strings.Contains(w.body, "\n") || !equal(w.types(t), all) {
				t.Errorf("body %q", w.body)
			}
		}},
		{"bandwidth:bps=1500", func(t *testing.T, w wireResult) {
			min := time.Duration(float64(len(w.body)) / 1500 * 0.8 * float64(time.Second))
			if w.took < min || !equal(w.types(t), all) || len(w.chunks) < len(w.body)/30 {
				t.Errorf("%d bytes in %v (want at least %v), %d chunks", len(w.body), w.took, min, len(w.chunks))
			}
		}},
		{"close:after=2,p=0", func(t *testing.T, w wireResult) {
			if !equal(w.types(t), all) {
				t.Errorf("p=0 applied: %v", w.types(t))
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			limit := 3 * time.Second
			if strings.HasPrefix(c.fault, "stall:") && !strings.Contains(c.fault, "for") {
				limit = 400 * time.Millisecond
			}
			c.check(t, wireGet(t, u, "/s", limit, "Ssetape-Fault", c.fault))
		})
	}
}

func equal(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestFaultSourcesAndPrecedence(t *testing.T) {
	flag, err := fault.Parse("close:after=1")
	if err != nil {
		t.Fatal(err)
	}
	c := load(t, fiveEvents+`  - request: {path: /c}
    faults: ["close:after=3"]
    response: {entries: [{at: 0s, data: a}, {at: 0s, data: b}, {at: 0s, data: c}, {at: 0s, data: d}]}
`)
	_, u := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Max: true}, Faults: flag}, c)
	count := func(w wireResult) int { return len(w.events(t)) }
	if n := count(wireGet(t, u, "/s", 3*time.Second)); n != 1 {
		t.Errorf("command-line fault: %d events, want 1", n)
	}
	if n := count(wireGet(t, u, "/c", 3*time.Second)); n != 3 {
		t.Errorf("the cassette's fault replaces the command line's: %d events, want 3", n)
	}
	if n := count(wireGet(t, u, "/c", 3*time.Second, "Ssetape-Fault", "close:after=2")); n != 2 {
		t.Errorf("the request's fault replaces the cassette's: %d events, want 2", n)
	}
	if n := count(wireGet(t, u, "/c", 3*time.Second, "Ssetape-Fault", "none")); n != 4 {
		t.Errorf("none turns faults off: %d events, want 4", n)
	}
	q := "/s?ssetape_fault=" + url.QueryEscape("close:after=3;drop:event=1")
	if n := count(wireGet(t, u, q, 3*time.Second)); n != 3 {
		t.Errorf("query fault with %%3B: %d events, want 3 (event 2, 3, 4... cut after 3)", n)
	}
	w := wireGet(t, u, "/s?ssetape_fault=close:afer=3", 3*time.Second)
	if w.status != 400 || !strings.Contains(w.body, `unknown key "afer"; fault close takes after, bytes, at, p, resume`) {
		t.Errorf("bad query fault: %d %q", w.status, w.body)
	}
	w = wireGet(t, u, "/s", 3*time.Second, "Ssetape-Fault", "boom")
	if w.status != 400 || !strings.Contains(w.body, `unknown fault "boom"`) {
		t.Errorf("bad header fault: %d %q", w.status, w.body)
	}
}

func TestFaultsSkipResumedRequests(t *testing.T) {
	_, u := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Max: true}}, fixture(t, "events.yaml"))
	w := wireGet(t, u, "/events", 3*time.Second, "Last-Event-ID", "2", "Ssetape-Fault", "close:after=1")
	if n := len(w.events(t)); n != 5 {
		t.Errorf("a resumed request got the fault: %d events, want 5", n)
	}
	w = wireGet(t, u, "/events", 3*time.Second, "Last-Event-ID", "2", "Ssetape-Fault", "close:after=1,resume=yes")
	if n := len(w.events(t)); n != 1 {
		t.Errorf("resume=yes: %d events, want 1", n)
	}
}

func TestFaultsAreSeeded(t *testing.T) {
	run := func(seed uint64, session string) string {
		_, u := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Max: true}, Seed: seed}, load(t, fiveEvents))
		return wireGet(t, u, "/s", 3*time.Second, "Ssetape-Fault", "corrupt:type=text_delta,kind=garbage;drop:type=tool_call,p=0.5", "Ssetape-Session", session).body
	}
	a, b := run(7, "s"), run(7, "s")
	if a != b {
		t.Errorf("same seed, different bytes:\n%q\n%q", a, b)
	}
	differs := false
	for seed := uint64(1); seed < 6 && !differs; seed++ {
		differs = run(seed, "s") != a
	}
	if !differs {
		t.Error("the seed changes nothing")
	}
}

func TestObserverSeesEventsAfterFaults(t *testing.T) {
	obs := &recorder{}
	_, u := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Max: true}, Observer: obs}, load(t, fiveEvents))
	wireGet(t, u, "/s", 3*time.Second, "Ssetape-Fault", "drop:type=text_delta;inject:after=1,type=error")
	obs.waitEnd()
	obs.mu.Lock()
	defer obs.mu.Unlock()
	want := []string{"/s#1 thinking", "/s#2 error", "/s#3 tool_call", "/s#4 done"}
	if !equal(obs.events, want) {
		t.Errorf("observed %v, want %v", obs.events, want)
	}
}

func TestCutPastTheEnd(t *testing.T) {
	u := startFaulty(t, replayer.Options{Pacing: replayer.Pacing{Max: true}})
	w := wireGet(t, u, "/s", 3*time.Second, "Ssetape-Fault", "reset:after=99")
	if len(w.events(t)) != 5 || w.clean || !isReset(w.err) {
		t.Errorf("reset past the end: %d events, clean %v, %v", len(w.events(t)), w.clean, w.err)
	}
	w = wireGet(t, u, "/s", 400*time.Millisecond, "Ssetape-Fault", "stall:bytes=100000")
	if len(w.events(t)) != 5 || w.clean || !isTimeout(w.err) {
		t.Errorf("stall past the end: %d events, clean %v, %v", len(w.events(t)), w.clean, w.err)
	}
	w = wireGet(t, u, "/s", 3*time.Second, "Ssetape-Fault", "close:after=99")
	if len(w.events(t)) != 5 || !w.clean {
		t.Errorf("close past the end: %d events, clean %v", len(w.events(t)), w.clean)
	}
}

// One running server serves different scenarios to concurrent clients, each
// by its own request header.
func TestConcurrentScenarios(t *testing.T) {
	u := startFaulty(t, replayer.Options{})
	scenarios := map[string]int{"none": 5, "close:after=1": 1, "drop:type=text_delta": 3, "omit-last": 4,
		"inject:after=0,type=error": 6, "close:after=3": 3}
	type result struct {
		fault string
		n     int
	}
	results := make(chan result, len(scenarios)*3)
	for range 3 {
		for f := range scenarios {
			go func() {
				w := wireGet(t, u, "/s", 5*time.Second, "Ssetape-Fault", f, "Ssetape-Session", f)
				results <- result{f, len(w.events(t))}
			}()
		}
	}
	for range len(scenarios) * 3 {
		r := <-results
		if r.n != scenarios[r.fault] {
			t.Errorf("%s: %d events, want %d", r.fault, r.n, scenarios[r.fault])
		}
	}
}
