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
	contract *assert.Contract // nil: auto, chosen per stream
	log      *slog.Logger
	mu       sync.Mutex
	streams  map[uint64]*liveCheck
	failed   int
}

// autoWindow is how many events auto looks at before it picks a preset
// (fewer when the stream ends first): the events wait, then go through.
const autoWindow = 32

type liveCheck struct {
	checker  assert.Checker
	contract *assert.Contract
	start    time.Time
	path     string
	pending  []assert.Event // auto: the events before the choice
}

func newContractObserver(c *assert.Contract, log *slog.Logger) *contractObserver {
	return &contractObserver{contract: c, log: log, streams: map[uint64]*liveCheck{}}
}

func (o *contractObserver) get(id uint64, path string) *liveCheck {
	o.mu.Lock()
	defer o.mu.Unlock()
	lc := o.streams[id]
	if lc == nil {
		lc = &liveCheck{start: time.Now(), path: path, contract: o.contract}
		if o.contract != nil {
			lc.checker = o.contract.New()
		}
		o.streams[id] = lc
	}
	return lc
}

// choose picks the preset for an auto stream from its first events (or its
// path), the generic checks when none matches, and feeds it what waited.
func (lc *liveCheck) choose() {
	c := assert.Auto(lc.pending, lc.path)
	lc.contract, lc.checker = c, c.New()
	for _, e := range lc.pending {
		lc.checker.Event(e)
	}
	lc.pending = nil
}

// Event implements replayer.Observer.
func (o *contractObserver) Event(s *replayer.Stream, n int, e sse.Event) { o.event(s.ID, s.Path, n, e) }

// End implements replayer.Observer.
func (o *contractObserver) End(s *replayer.Stream, err error) {
	o.end(s.ID, s.Path, "session", s.Session, "path", s.Path, "interaction", s.Interaction)
}

// proxyObserver adapts the checks to the recorder's observer.
type proxyObserver struct{ *contractObserver }

func (o proxyObserver) Event(s *recorder.Stream, n int, e sse.Event) { o.event(s.ID, s.Path, n, e) }
func (o proxyObserver) End(s *recorder.Stream, err error) {
	o.end(s.ID, s.Path, "method", s.Method, "path", s.Path)
}

func (o *contractObserver) event(id uint64, path string, n int, e sse.Event) {
	lc := o.get(id, path)
	ev := assert.Event{N: n, Event: e, At: time.Since(lc.start), HasAt: true}
	if lc.checker == nil {
		lc.pending = append(lc.pending, ev)
		if len(lc.pending) >= autoWindow {
			lc.choose()
		}
		return
	}
	lc.checker.Event(ev)
}

func (o *contractObserver) end(id uint64, path string, attrs ...any) {
	lc := o.get(id, path)
	if lc.checker == nil {
		lc.choose()
	}
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
			"contract", lc.contract.Name, "auto", o.contract == nil, "rule", v.Rule, "severity", v.Severity, "event", v.Event, "type", v.Type,
			"message", v.Message, "excerpt", v.Excerpt)...)
	}
	if broken {
		o.mu.Lock()
		o.failed++
		o.mu.Unlock()
	}
}
