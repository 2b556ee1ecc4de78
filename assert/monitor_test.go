package assert_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/sse"
)

// exploding is a contract whose checker panics at its second event.
var exploding = &assert.Contract{Name: "exploding", New: func() assert.Checker { return &explodingChecker{} }}

type explodingChecker struct{ n int }

func (c *explodingChecker) Event(assert.Event) {
	if c.n++; c.n == 2 {
		panic("a checker bug")
	}
}
func (c *explodingChecker) End() []assert.Violation { return nil }

// A checker that panics on one stream is contained: the panic is a contract
// error for that stream, logged with it; the other streams are checked on.
func TestMonitorContainsAPanic(t *testing.T) {
	var logs syncBuf
	m := assert.NewMonitor(assert.MonitorOptions{Contract: exploding, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	a := &observe.Stream{ID: 1, Path: "/a"}
	b := &observe.Stream{ID: 2, Path: "/b"}
	m.Event(a, 1, sse.Event{Data: "x"})
	m.Event(b, 1, sse.Event{Data: "x"})
	m.Event(a, 2, sse.Event{Data: "x"}) // panics inside
	m.Event(a, 3, sse.Event{Data: "x"}) // not checked any more
	m.End(a, nil)
	m.End(b, nil)
	if m.Failed() != 1 {
		t.Errorf("%d streams failed, want the one whose checker panicked", m.Failed())
	}
	l := logs.String()
	if !strings.Contains(l, "rule=CHECK") || !strings.Contains(l, "path=/a") || !strings.Contains(l, "panicked") || strings.Contains(l, "path=/b") {
		t.Errorf("log:\n%s", l)
	}
}

// A live monitor reports a broken rule when it happens, not at the end.
func TestMonitorReportsAsItHappens(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	m := assert.NewMonitor(assert.MonitorOptions{Contract: assert.Agent(), OnViolation: func(s *observe.Stream, v assert.Violation) {
		mu.Lock()
		seen = append(seen, v.Rule)
		mu.Unlock()
	}})
	s := &observe.Stream{ID: 1, Path: "/api/chat"}
	m.Event(s, 1, sse.Event{Type: "done", Data: `{"type":"done"}`})
	m.Event(s, 2, sse.Event{Type: "text_delta", Data: `{"type":"text_delta","content":"x"}`})
	mu.Lock()
	got := strings.Join(seen, " ")
	mu.Unlock()
	if got != "AGT-1" {
		t.Errorf("before the end: %q, want AGT-1", got)
	}
	m.End(s, nil)
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
