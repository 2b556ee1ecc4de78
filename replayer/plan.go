package replayer

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/replayer/internal/transport"
	"github.com/ssetape/ssetape/sse"
)

// Plans: what one request will be sent, before faults. A stream's chunks,
// the events each completes and the places it can resume from are worked
// out once at start-up (prepared); a whole stream paced without jitter is
// the same for every request and is planned once and shared.

// prepared is an interaction's stream worked out once.
type prepared struct {
	once sync.Once
	plan *fault.Plan // the shared plan of the whole stream
	head transport.HeadCache

	chunks []cassette.Chunk
	events [][]sse.Event // per chunk: the events it completes
	types  []string      // per chunk: the type of the first event it completes ("" none; "message" for untyped)
	starts []int64       // per chunk: its body offset
	edited bool
	// resumeAt maps a last event id to the body offset just after the
	// block that set it, and resumeDue to that block's recorded offset.
	resumeAt  map[string]int64
	resumeDue map[string]time.Duration
	size      int64
}

// prepareStream works a stream out: linear in its chunks and entries.
func prepareStream(r *cassette.Response, strict bool) (*prepared, error) {
	chunks, edited, err := r.Chunks(strict)
	if err != nil {
		return nil, err
	}
	p := &prepared{chunks: chunks, edited: edited, events: make([][]sse.Event, len(chunks)), types: make([]string, len(chunks)),
		starts: make([]int64, len(chunks)), resumeAt: map[string]int64{}, resumeDue: map[string]time.Duration{}}
	for i, c := range chunks {
		p.starts[i] = p.size
		p.size += int64(len(c.Data))
	}
	// Blocks come in body order, so the chunk that holds each one's end is
	// found by moving forward, never by searching from the start.
	chunk := 0
	lastID := ""
	// The decoder's strings point into its read buffer (32 KiB) and
	// arenas: kept as they are, every stream would keep those whole, which
	// for 10,000 short interactions was 320 MB. The events keep copies;
	// types and ids repeat, so each distinct one is copied once.
	seen := map[string]string{}
	own := func(v string) string {
		if v == "" {
			return ""
		}
		o, ok := seen[v]
		if !ok {
			o = strings.Clone(v)
			seen[o] = o
		}
		return o
	}
	err = cassette.EachBlock(chunks, func(b cassette.TimedBlock) {
		if !b.Terminated {
			return
		}
		// The block is complete with the chunk that holds its dispatching
		// line end.
		end := b.DispatchOffset()
		for chunk+1 < len(chunks) && p.starts[chunk+1] <= end {
			chunk++
		}
		if b.Dispatched {
			e := b.Event
			e.Type, e.LastEventID, e.Data = own(e.Type), own(e.LastEventID), strings.Clone(e.Data)
			p.events[chunk] = append(p.events[chunk], e)
			if p.types[chunk] == "" {
				p.types[chunk] = sse.TypeName(e.Type)
			}
			lastID = e.LastEventID
		} else {
			for _, l := range b.Lines {
				if l.Kind == sse.ID && !l.Ignored {
					lastID = own(l.Value)
				}
			}
		}
		if _, seen := p.resumeAt[lastID]; !seen && lastID != "" {
			p.resumeAt[lastID] = b.End
			p.resumeDue[lastID] = b.At
		}
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// after returns the chunks that follow body offset off (a block boundary),
// the chunk that holds it cut there, with offsets moved so that the first
// one is due at the same distance from the headers as before, minus base;
// with the events each completes (their offsets in the resumed body) and
// the type of the first.
func (p *prepared) after(off int64, base time.Duration) ([]cassette.Chunk, [][]sse.Event, []string) {
	var chunks []cassette.Chunk
	var events [][]sse.Event
	var types []string
	for i, c := range p.chunks {
		pos := p.starts[i]
		if pos+int64(len(c.Data)) <= off {
			continue
		}
		data := c.Data
		if pos < off {
			data = data[off-pos:]
		}
		chunks = append(chunks, cassette.Chunk{At: max(0, c.At-base), Data: data})
		var evs []sse.Event
		typ := ""
		for _, e := range p.events[i] {
			if e.End > off {
				e.Start, e.End = max(0, e.Start-off), e.End-off
				evs = append(evs, e)
				if typ == "" {
					typ = sse.TypeName(e.Type)
				}
			}
		}
		events, types = append(events, evs), append(types, typ)
	}
	return chunks, events, types
}

// resumePoint is where a resumed stream goes on: after body offset off,
// whose block was recorded at base.
type resumePoint struct {
	off  int64
	base time.Duration
}

// basePlan is the plan of an interaction before faults. A whole stream
// paced without jitter is the same for every request: it is worked out
// once and shared (the caller copies what faults would change).
func (s *Server) basePlan(rec *recorded, st *planFor, from *resumePoint) *fault.Plan {
	if prep := rec.prep; prep != nil && from == nil && s.opts.Pacing.Jitter == 0 {
		prep.once.Do(func() { prep.plan = s.buildPlan(rec, st, nil) })
		p := *prep.plan
		return &p
	}
	return s.buildPlan(rec, st, from)
}

// planFor is what a plan's randomness is split by.
type planFor struct {
	session    string
	repetition int
}

func (s *Server) buildPlan(rec *recorded, st *planFor, from *resumePoint) *fault.Plan {
	resp := &rec.it.Response
	p := &fault.Plan{Status: resp.Status, Header: http.Header{}}
	prep := rec.prep
	responseHeader(p.Header, rec, prep != nil)
	var rng = splitRand(s.opts.Seed, "pacing", st.session, rec.index, st.repetition)
	if s.opts.Pacing.Jitter == 0 {
		rng = nil
	}
	if prep == nil {
		p.Body = resp.Body
		p.HeadersDue, _ = s.opts.Pacing.pace(resp.HeadersAt, nil, nil, rng)
		p.EndDue = p.HeadersDue
		return p
	}
	p.Stream = true
	chunks, events, types := prep.chunks, prep.events, prep.types
	headersAt := resp.HeadersAt
	if from != nil {
		chunks, events, types = prep.after(from.off, from.base)
		headersAt = 0
	}
	headers, due := s.opts.Pacing.pace(headersAt, chunks, types, rng)
	p.HeadersDue = headers
	p.Chunks = make([]fault.Chunk, len(chunks))
	for i, c := range chunks {
		p.Chunks[i] = fault.Chunk{Due: due[i], Data: c.Data, Events: events[i]}
	}
	p.EndDue = headers
	if n := len(chunks); n > 0 {
		p.EndDue = due[n-1]
		if e := resp.End; e != nil {
			base := chunks[n-1].At
			if from != nil {
				base += from.base
			}
			p.EndDue = s.opts.Pacing.endDue(base, due[n-1], e.At)
		}
	}
	p.Reset = resp.End != nil && resp.End.Reason == cassette.Reset
	return p
}

// hopHeaders are never replayed: the server sets its own framing, and the
// body is sent as recorded, decoded.
var hopHeaders = append(cassette.HopHeaders[:len(cassette.HopHeaders):len(cassette.HopHeaders)], "Content-Encoding")

// responseHeader is the header of a replayed response: the recorded one
// without what the server sets itself, plus what streaming needs.
func responseHeader(h http.Header, rec *recorded, stream bool) {
	for k, vs := range rec.it.Response.Headers {
		h[k] = append([]string(nil), vs...)
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	if stream {
		h.Set("X-Accel-Buffering", "no")
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "no-cache")
		}
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "text/event-stream")
		}
	}
}
