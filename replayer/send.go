package replayer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ssetape/ssetape/internal/clip"

	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/replayer/internal/transport"
	"github.com/ssetape/ssetape/sse"
)

// answer plans the response to a matched request (from a resume point when
// from is set), applies its faults and hands it to the transport.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, x *observe.Exchange, rec *recorded, st *observe.Stream, from *resumePoint, reqFaults []*fault.Spec, start time.Time) {
	x.Matched(rec.label, st.ID)
	p := s.basePlan(rec, &planFor{session: st.Session, repetition: st.Repetition}, from)
	faults, err := s.withFaults(r.Context(), p, s.faultsFor(rec, st, reqFaults), rec, st)
	if err != nil {
		s.failPlan(w, x, err)
		return
	}
	journaled := make([]observe.SourcedFault, len(faults))
	for i, f := range faults {
		journaled[i] = observe.SourcedFault{Fault: f.spec.String(), Source: f.source, ArmedID: f.armedID}
	}
	x.Answered(p.Status, journaled)
	// One allocation for the stream, its place in the list and its hooks.
	open := &openStream{id: st.ID, slot: -1, info: st, s: s, x: x, faults: faults, start: start}
	open.obs = watcher{s: s, st: st}
	ts := &open.stream
	*ts = transport.Stream{Plan: p, Start: start, Speed: s.opts.Pacing.factor(), Faulted: len(faults) > 0, Hooks: open}
	if len(faults) == 0 && from == nil && rec.prep != nil && s.opts.Pacing.Jitter == 0 {
		ts.Head = &rec.prep.head
	}
	// No callback per event unless an observer wants them: the journal
	// reads the count from the stream while it runs, and gets the last
	// count at its end.
	if s.opts.Observer != nil {
		ts.Event = open.obs.event
	}
	ts.Prepare()
	x.Counting(open)
	if p.Stream {
		s.streams.add(open)
	}
	s.tr.Send(w, r, ts)
}

// failPlan answers a request whose plan could not be made.
func (s *Server) failPlan(w http.ResponseWriter, x *observe.Exchange, err error) {
	var limit *fault.LimitError
	switch {
	case errors.As(err, &limit):
		s.fail(w, x, http.StatusBadRequest, "ssetape: "+err.Error()+"\n")
	case errors.Is(err, context.Canceled):
		s.fail(w, x, 499, "ssetape: the client went away while its response was planned\n")
	default:
		s.fail(w, x, http.StatusInternalServerError, "ssetape: "+err.Error()+"\n")
	}
}

// The stream's transport.Hooks.

// Held tells the control API's long polls that a stream stopped at a hold.
func (o *openStream) Held() { o.s.streams.notify() }

// Ending: a stream sent to its end leaves the list before its client can
// see the end, so that a test that read it to the end and then asks the
// control API finds it gone.
func (o *openStream) Ending() { o.s.streams.remove(o) }

// End reports the stream's end to the observers, the exchange and the log.
func (o *openStream) End(err error, events, bytes int) {
	s, p := o.s, o.stream.Plan
	s.streams.remove(o)
	reason := "eof"
	if err != nil {
		reason = err.Error()
	} else if p.Reset {
		reason = "reset"
	}
	// The observers first: what they find (a contract's end rules) is in
	// the exchange before it says it has ended.
	if p.Stream {
		o.obs.end(err)
	}
	o.x.SetSent(events)
	o.x.End(time.Now(), reason)
	s.logRequest(o.info, p, o.faults, err, events, bytes, o.start)
}

// EventsSent is the stream's count for its exchange (observe.Counter).
func (o *openStream) EventsSent() int { return o.stream.State().EventsSent }

// logRequest writes a request's line in the log.
func (s *Server) logRequest(st *observe.Stream, p *fault.Plan, faults []sourced, err error, events, bytes int, start time.Time) {
	if !s.log.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	outcome := "sent"
	switch {
	case err != nil:
		outcome = err.Error()
	case !p.Stream:
		outcome = fmt.Sprintf("sent a %d-byte body", len(p.Body))
	}
	attrs := []any{"id", st.ID, "session", clip.String(st.Session, 80), "method", st.Method, "path", clip.String(st.Path, 200),
		"interaction", st.Interaction, "status", p.Status, "outcome", outcome}
	if p.Stream {
		attrs = append(attrs, "events", events, "bytes", bytes, "took", time.Since(start).Round(time.Millisecond))
	}
	if st.Repetition > 1 {
		attrs = append(attrs, "repetition", st.Repetition)
	}
	if st.Resumed {
		attrs = append(attrs, "resumed", true)
	}
	if p.Reset && err == nil {
		attrs = append(attrs, "end", "reset")
	}
	if len(faults) > 0 {
		texts := make([]string, len(faults))
		for i, f := range faults {
			texts[i] = f.spec.String()
		}
		attrs = append(attrs, "faults", clip.String(strings.Join(texts, ";"), 300), "seed", s.opts.Seed, "fault_source", faults[0].source)
		if faults[0].armedID != "" {
			attrs = append(attrs, "armed", faults[0].armedID)
		}
	}
	s.log.Info("request", attrs...)
}

// watcher calls the server's observer for one stream, containing a panic
// in it: the panic is logged with the stream, that stream's observation
// stops, and the stream and the server go on.
type watcher struct {
	s    *Server
	st   *observe.Stream
	dead atomic.Bool
}

func (w *watcher) call(what string, fn func(o observe.Observer)) {
	o := w.s.opts.Observer
	if o == nil || w.dead.Load() {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			w.dead.Store(true)
			w.s.log.Error("the observer panicked; it sees no more of this stream", "id", w.st.ID, "session", w.st.Session,
				"path", w.st.Path, "interaction", w.st.Interaction, "in", what, "panic", fmt.Sprint(v))
		}
	}()
	fn(o)
}

func (w *watcher) event(n int, e sse.Event) {
	w.call("Event", func(o observe.Observer) { o.Event(w.st, n, e) })
}

func (w *watcher) end(err error) {
	w.call("End", func(o observe.Observer) { o.End(w.st, err) })
}
