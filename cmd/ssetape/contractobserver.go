package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/recorder"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/sse"
)

// contractObserver checks every stream a replay server sends against a
// contract, as the events pass (the replayer calls it; it does not import
// assert). Each broken rule is logged as the stream ends.
type contractObserver struct {
	contract *assert.Contract
	log      *slog.Logger
	mu       sync.Mutex
	streams  map[uint64]*liveCheck
	failed   int
}

type liveCheck struct {
	checker assert.Checker
	start   time.Time
}

func newContractObserver(c *assert.Contract, log *slog.Logger) *contractObserver {
	return &contractObserver{contract: c, log: log, streams: map[uint64]*liveCheck{}}
}

func (o *contractObserver) get(id uint64) *liveCheck {
	o.mu.Lock()
	defer o.mu.Unlock()
	lc := o.streams[id]
	if lc == nil {
		lc = &liveCheck{checker: o.contract.New(), start: time.Now()}
		o.streams[id] = lc
	}
	return lc
}

// Event implements replayer.Observer.
func (o *contractObserver) Event(s *replayer.Stream, n int, e sse.Event) { o.event(s.ID, n, e) }

// End implements replayer.Observer.
func (o *contractObserver) End(s *replayer.Stream, err error) {
	o.end(s.ID, "session", s.Session, "path", s.Path, "interaction", s.Interaction)
}

// proxyObserver adapts the checks to the recorder's observer.
type proxyObserver struct{ *contractObserver }

func (o proxyObserver) Event(s *recorder.Stream, n int, e sse.Event) { o.event(s.ID, n, e) }
func (o proxyObserver) End(s *recorder.Stream, err error) {
	o.end(s.ID, "method", s.Method, "path", s.Path)
}

func (o *contractObserver) event(id uint64, n int, e sse.Event) {
	lc := o.get(id)
	lc.checker.Event(assert.Event{N: n, Event: e, At: time.Since(lc.start), HasAt: true})
}

func (o *contractObserver) end(id uint64, attrs ...any) {
	lc := o.get(id)
	o.mu.Lock()
	delete(o.streams, id)
	o.mu.Unlock()
	violations := lc.checker.End()
	broken := false
	for _, v := range violations {
		level := slog.LevelWarn
		if v.Severity == assert.Error {
			level, broken = slog.LevelError, true
		}
		o.log.Log(context.Background(), level, "contract", append(append([]any{"id", id}, attrs...),
			"contract", o.contract.Name, "rule", v.Rule, "severity", v.Severity, "event", v.Event, "type", v.Type,
			"message", v.Message, "excerpt", v.Excerpt)...)
	}
	if broken {
		o.mu.Lock()
		o.failed++
		o.mu.Unlock()
	}
}
