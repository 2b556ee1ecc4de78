package assert

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/sse"
)

// Monitor checks every stream a server sends or passes against a contract,
// as the events pass: an observe.Observer for the replayer and the
// recorder's proxy (replay --contract, proxy --contract, a Go test around
// replayertest). A broken rule is reported the moment the events decide it
// (rules that need the end of the stream, such as "done is last", at the
// end). A checker that panics on a stream is contained: the panic counts as
// a contract error for that stream, and the server and the other streams go
// on.
type Monitor struct {
	opts MonitorOptions
	// mu guards the fields below.
	mu      sync.Mutex
	streams map[uint64]*monitored
	failed  int
	checked int
}

// MonitorOptions configure a Monitor.
type MonitorOptions struct {
	// Contract is checked on every stream; nil: auto, a contract per stream
	// chosen from its first AutoWindow events (or its path).
	Contract *Contract
	// Log, when set, gets one line per broken rule as it is found (errors at
	// level ERROR, warnings at WARN).
	Log *slog.Logger
	// OnViolation, when set, is told of every broken rule as it is found.
	OnViolation func(s *observe.Stream, v Violation)
}

type monitored struct {
	mu      sync.Mutex
	check   *StreamCheck
	start   time.Time
	seen    map[string]bool // violations already reported
	broken  bool            // an error rule broke
	stopped bool            // the checker panicked
}

// NewMonitor returns a monitor.
func NewMonitor(opts MonitorOptions) *Monitor {
	return &Monitor{opts: opts, streams: map[uint64]*monitored{}}
}

// LiveAutoWindow is how many events auto looks at on a live stream before it
// chooses a contract: few, so that broken rules are reported as they happen.
const LiveAutoWindow = 32

// PanicRule is the rule a checker's panic is reported under.
var PanicRule = Rule{"CHECK", Error, "the contract checker ran without failing"}

func (m *Monitor) stream(s *observe.Stream) *monitored {
	m.mu.Lock()
	defer m.mu.Unlock()
	ms := m.streams[s.ID]
	if ms == nil {
		ms = &monitored{check: NewStreamCheck(m.opts.Contract, Meta{Name: s.Path, Path: s.Path, AutoWindow: LiveAutoWindow}), start: time.Now(), seen: map[string]bool{}}
		m.streams[s.ID] = ms
	}
	return ms
}

// Event implements observe.Observer.
func (m *Monitor) Event(s *observe.Stream, n int, e sse.Event) {
	ms := m.stream(s)
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.stopped {
		return
	}
	m.safely(s, ms, func() {
		ms.check.Event(Event{N: n, Event: e, At: time.Since(ms.start), HasAt: true})
		m.report(s, ms, ms.check.Found())
	})
}

// End implements observe.Observer.
func (m *Monitor) End(s *observe.Stream, _ error) {
	ms := m.stream(s)
	m.mu.Lock()
	delete(m.streams, s.ID)
	m.mu.Unlock()
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if !ms.stopped {
		m.safely(s, ms, func() { m.report(s, ms, ms.check.End().Violations) })
	}
	m.mu.Lock()
	m.checked++
	if ms.broken {
		m.failed++
	}
	m.mu.Unlock()
}

// safely runs fn, turning a panic into a contract error for the stream.
func (m *Monitor) safely(s *observe.Stream, ms *monitored, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			ms.stopped = true
			m.report(s, ms, []Violation{{Rule: PanicRule.ID, Severity: Error,
				Message: fmt.Sprintf("the contract checker panicked, so this stream is not checked further: %v", v)}})
		}
	}()
	fn()
}

// report reports the violations not reported yet.
func (m *Monitor) report(s *observe.Stream, ms *monitored, vs []Violation) {
	for _, v := range vs {
		key := fmt.Sprintf("%s|%d|%s", v.Rule, v.Event, v.Message)
		if ms.seen[key] {
			continue
		}
		ms.seen[key] = true
		if v.Severity == Error {
			ms.broken = true
		}
		s.Exchange.Violate(observe.Violation{Rule: v.Rule, Severity: string(v.Severity), Event: v.Event, Message: v.Message})
		if m.opts.OnViolation != nil {
			m.opts.OnViolation(s, v)
		}
		if m.opts.Log != nil {
			level := slog.LevelWarn
			if v.Severity == Error {
				level = slog.LevelError
			}
			name := "auto"
			if c := ms.check.Contract(); c != nil {
				name = c.Name
			}
			attrs := []any{"id", s.ID, "session", s.Session, "method", s.Method, "path", s.Path}
			if s.Interaction != "" {
				attrs = append(attrs, "interaction", s.Interaction)
			}
			m.opts.Log.Log(context.Background(), level, "contract", append(attrs, "contract", name, "auto", m.opts.Contract == nil,
				"rule", v.Rule, "severity", v.Severity, "event", v.Event, "type", v.Type, "message", v.Message, "excerpt", v.Excerpt)...)
		}
	}
}

// Failed is how many streams that have ended broke the contract with an
// error.
func (m *Monitor) Failed() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.failed
}

// Summary writes one line: how many streams broke their contract.
func (m *Monitor) Summary(w io.Writer, command string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name := "their contract (chosen by auto)"
	if m.opts.Contract != nil {
		name = "the " + m.opts.Contract.Name + " contract"
	}
	fmt.Fprintf(w, "ssetape %s: %d of %s broke %s\n", command, m.failed, plural(m.checked, "stream"), name)
}

// plural writes n with a noun, made plural when n is not 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
