package fault

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

// plan is a stream of LF events, one chunk each, 10 ms apart from 10 ms,
// ending with its last chunk.
func plan(events ...string) *Plan {
	p := &Plan{Status: 200, Stream: true, Header: http.Header{"Content-Type": {"text/event-stream"}}}
	for i, e := range events {
		p.Chunks = append(p.Chunks, Chunk{Due: time.Duration(i+1) * 10 * time.Millisecond, Data: []byte(e)})
	}
	p.EndDue = time.Duration(len(events)) * 10 * time.Millisecond
	ChunkEvents(p.Chunks)
	return p
}

func ev(typ, data string) string { return "event: " + typ + "\ndata: " + data + "\n\n" }

// sample is five agent events.
func sample() *Plan {
	return plan(ev("thinking", "t"), ev("text_delta", "a"), ev("text_delta", "b"), ev("tool_call", "c"), ev("done", "d"))
}

// apply parses and applies a spec list to a fresh plan.
func apply(t *testing.T, p *Plan, spec string) *Plan {
	t.Helper()
	specs, err := Parse(spec)
	if err != nil {
		t.Fatalf("Parse(%q): %v", spec, err)
	}
	if _, err := Apply(context.Background(), p, specs, rand.New(rand.NewPCG(1, 2)), DefaultLimits); err != nil {
		t.Fatalf("Apply(%q): %v", spec, err)
	}
	return p
}

// shape is what a test compares of a plan: its chunks' bytes, each with a
// mark for a pause before it (|hold| or |stall|), and how it ends.
func shape(p *Plan) string {
	var b strings.Builder
	for _, c := range p.Chunks {
		switch c.Pause {
		case Hold:
			b.WriteString("|hold|")
		case Stall:
			b.WriteString("|stall|")
		}
		b.WriteString("[" + strings.ReplaceAll(string(c.Data), "\n", "/") + "]")
	}
	if p.Reset {
		b.WriteString(" reset")
	}
	if p.EndDue == Forever {
		b.WriteString(" forever")
	}
	if !p.Stream {
		b.WriteString(" status " + http.StatusText(p.Status) + " " + string(p.Body))
	}
	return b.String()
}

// Each fault, on the same five-event plan: its own table, as toxiproxy's
// toxics have theirs. The wire-level table (replayer's faults_test.go) is the
// integration test.
func TestEachFaultOnAPlan(t *testing.T) {
	all := "[event: thinking/data: t//][event: text_delta/data: a//][event: text_delta/data: b//][event: tool_call/data: c//][event: done/data: d//]"
	cases := []struct{ spec, want string }{
		{"close:after=2", "[event: thinking/data: t//][event: text_delta/data: a//]"},
		{"close:bytes=5", "[event]"},
		{"close:after=9", all},
		{"reset:after=1", "[event: thinking/data: t//] reset"},
		{"stall:after=4", "[event: thinking/data: t//][event: text_delta/data: a//][event: text_delta/data: b//][event: tool_call/data: c//]|stall|[] forever"},
		{"stall:after=1,for=1s", all},
		{"hold", "|hold|" + all},
		{"hold:after=2", "[event: thinking/data: t//][event: text_delta/data: a//]|hold|[event: text_delta/data: b//][event: tool_call/data: c//][event: done/data: d//]"},
		{"hold:type=tool_call", "[event: thinking/data: t//][event: text_delta/data: a//][event: text_delta/data: b//]|hold|[event: tool_call/data: c//][event: done/data: d//]"},
		{"hold:data=b", "[event: thinking/data: t//][event: text_delta/data: a//]|hold|[event: text_delta/data: b//][event: tool_call/data: c//][event: done/data: d//]"},
		{"hold:after=5", all + "|hold|[]"},
		{"hold:type=nothing", all},
		{"drop:event=2", "[event: thinking/data: t//][event: text_delta/data: b//][event: tool_call/data: c//][event: done/data: d//]"},
		{"drop:type=text_delta,count=1", "[event: thinking/data: t//][event: text_delta/data: b//][event: tool_call/data: c//][event: done/data: d//]"},
		{"drop:data=c", "[event: thinking/data: t//][event: text_delta/data: a//][event: text_delta/data: b//][event: done/data: d//]"},
		{"duplicate:event=5", all + "[event: done/data: d//]"},
		{"reorder:event=4", "[event: thinking/data: t//][event: text_delta/data: a//][event: text_delta/data: b//][event: done/data: d//][event: tool_call/data: c//]"},
		{"merge:event=1", "[event: thinking/data: t/][event: text_delta/data: a//][event: text_delta/data: b//][event: tool_call/data: c//][event: done/data: d//]"},
		{"truncate:event=1", "[event: thinking/data: t]"},
		{"truncate:event=2", "[event: thinking/data: t//][event: text_delta/data: a]"},
		{"omit-last", "[event: thinking/data: t//][event: text_delta/data: a//][event: text_delta/data: b//][event: tool_call/data: c//]"},
		{"inject:after=0,type=error", "[event: error/data: {\"type\":\"error\"}//]" + all},
		{"corrupt:event=1,kind=utf8", "[event: thinking/data: \xff\xfet//][event: text_delta/data: a//][event: text_delta/data: b//][event: tool_call/data: c//][event: done/data: d//]"},
		{"corrupt:type=done", "[event: thinking/data: t//][event: text_delta/data: a//][event: text_delta/data: b//][event: tool_call/data: c//][event: done/data: {//]"},
		{"chunk:coalesce", "[" + strings.NewReplacer("[", "", "]", "").Replace(all) + "]"},
		{"hold:after=2;chunk:coalesce", "[event: thinking/data: t//event: text_delta/data: a//]|hold|[event: text_delta/data: b//event: tool_call/data: c//event: done/data: d//]"},
		{"eol:to=cr", strings.ReplaceAll(all, "/", "\r")},
		{"status:code=503", " status Service Unavailable ssetape fault: status 503 Service Unavailable\n"},
		{"status:code=204", " status No Content "},
	}
	for _, c := range cases {
		if got := shape(apply(t, sample(), c.spec)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.spec, got, c.want)
		}
	}
}

func TestChunkSizeKeepsPausesAndBytes(t *testing.T) {
	p := apply(t, sample(), "hold:type=tool_call;chunk:size=4")
	holds := 0
	for i, c := range p.Chunks {
		if len(c.Data) > 4 {
			t.Fatalf("chunk %d has %d bytes", i, len(c.Data))
		}
		if c.Pause == Hold {
			holds++
			if !strings.HasPrefix(string(c.Data), "even") {
				t.Errorf("the hold moved: it is before %q", c.Data)
			}
		}
	}
	if holds != 1 || string(JoinBody(p.Chunks)) != string(JoinBody(sample().Chunks)) {
		t.Errorf("%d holds; body %q", holds, JoinBody(p.Chunks))
	}
}

func TestTimingFaults(t *testing.T) {
	p := apply(t, sample(), "delay:headers=1s")
	if p.HeadersDue != time.Second || p.Chunks[0].Due != time.Second+10*time.Millisecond {
		t.Errorf("delay: headers %v, first chunk %v", p.HeadersDue, p.Chunks[0].Due)
	}
	p = apply(t, sample(), "chunk:size=8,gap=50ms")
	for i := 1; i < len(p.Chunks); i++ {
		if d := p.Chunks[i].Due - p.Chunks[i-1].Due; d < 50*time.Millisecond {
			t.Fatalf("gap %d is %v", i, d)
		}
	}
	p = apply(t, sample(), "bandwidth:bps=100")
	last := p.Chunks[len(p.Chunks)-1].Due
	if size := len(JoinBody(p.Chunks)); last < time.Duration(size-2)*10*time.Millisecond {
		t.Errorf("%d bytes at 100 bytes/s end at %v", size, last)
	}
}

// One request cannot buy minutes of CPU or gigabytes of memory: a list of
// more than 64 faults, or faults that would plan a response far larger than
// the recorded one, get a LimitError that names the cap.
func TestLimits(t *testing.T) {
	long := strings.Repeat("inject:after=1,type=x;", 65)
	if _, err := Parse(long); !isLimit(err, "faults per request") {
		t.Errorf("65 faults: %v", err)
	}
	cases := []struct{ spec, cap string }{
		{strings.Repeat("duplicate:type=text_delta,count=100000000;", 60), "planned"},
		{"chunk:size=1;" + strings.Repeat("inject:after=1,data="+strings.Repeat("x", 100)+";", 40), "planned"},
	}
	for _, c := range cases {
		specs, err := Parse(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Apply(context.Background(), sample(), specs, rand.New(rand.NewPCG(1, 2)), Limits{Faults: 64, Growth: 4, Events: 50, Bytes: 2000, Chunks: 100})
		if !isLimit(err, c.cap) {
			t.Errorf("%.60s...: %v, want a cap on %s", c.spec, err, c.cap)
		}
	}
	// Within the caps, a small stream can still grow (the floor).
	if _, err := Apply(context.Background(), sample(), mustParse(t, "chunk:size=1"), rand.New(rand.NewPCG(1, 2)), DefaultLimits); err != nil {
		t.Errorf("chunk:size=1 on a small stream: %v", err)
	}
}

func isLimit(err error, cap string) bool {
	var le *LimitError
	return errors.As(err, &le) && strings.Contains(le.Cap, cap) && strings.Contains(le.Error(), "cap")
}

func mustParse(t *testing.T, s string) []*Spec {
	t.Helper()
	specs, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return specs
}

// Planning stops when the client has gone.
func TestApplyStopsWhenTheClientLeaves(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Apply(ctx, sample(), mustParse(t, "drop:event=1"), rand.New(rand.NewPCG(1, 2)), DefaultLimits); !errors.Is(err, context.Canceled) {
		t.Errorf("Apply after the client left: %v", err)
	}
}

// Spec is opaque: a literal one is refused, not a nil dereference.
func TestEmptySpec(t *testing.T) {
	if _, err := Apply(context.Background(), sample(), []*Spec{{}}, rand.New(rand.NewPCG(1, 2)), DefaultLimits); !errors.Is(err, ErrEmptySpec) {
		t.Errorf("a literal Spec: %v", err)
	}
}

func TestParseRefuses(t *testing.T) {
	for spec, want := range map[string]string{
		"close:after=3,p=NaN":              "want a probability",
		"status:code=101":                  "from 200 to 599",
		"hold:type-from=data.type":         "type-from goes with type=T",
		"hold:type=x,type-from=foo":        "want event or data.FIELD",
		"drop:type=x,data=y":               "give only one of event, type, data",
		"delay:headers=48h":                "at most 24h",
		"hold:headers=no":                  "holds nothing",
		strings.Repeat("x", MaxSpecText+1): "over the limit",
	} {
		_, err := Parse(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%.40q): %v, want %q", spec, err, want)
		}
		if err != nil && len(err.Error()) > 600 {
			t.Errorf("Parse(%.40q): a %d-byte error", spec, len(err.Error()))
		}
	}
}
