package replayer

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ssetape/ssetape/sse"
)

// Event faults: corrupt, truncate, merge, drop, duplicate, reorder,
// omit-last, inject. They name events by their number as recorded (from 1,
// as inspect shows them) or by type, and record what to do; the body is
// rebuilt once, after all of them, so that event numbers always mean the
// recorded events whatever else is done.

// eventEdits is the work list of one request's event faults.
type eventEdits struct {
	segs     []segment
	events   []sse.Event
	eol      sse.LineEnding
	drop     map[int]bool
	dup      map[int]int
	corrupt  map[int]string
	merge    map[int]bool
	swap     map[int]bool
	inject   map[int][]sse.Message
	truncate int
	rng      *rand.Rand
}

func newEventEdits(p *Plan) *eventEdits {
	segs, events := segments(p.Chunks)
	return &eventEdits{segs: segs, events: events, eol: lineEnding(segs), drop: map[int]bool{}, dup: map[int]int{},
		corrupt: map[int]string{}, merge: map[int]bool{}, swap: map[int]bool{}, inject: map[int][]sse.Message{}}
}

// selector picks events by number or by type.
type selector struct {
	event int    // from 1; 0 when by type
	typ   string // the type ("message" for untyped events)
	count int    // how many; 0: one for event=, all for type=
}

func parseSelector(params map[string]string, withCount bool) (selector, error) {
	var s selector
	which, err := onlyOne(params, false, "event", "type")
	if err != nil {
		return s, err
	}
	if which == "event" {
		if s.event, _, err = intParam(params, "event", 1); err != nil {
			return s, err
		}
	} else {
		s.typ = params["type"]
	}
	if withCount {
		if s.count, _, err = intParam(params, "count", 1); err != nil {
			return s, err
		}
	}
	return s, nil
}

// pick returns the numbers of the events a selector names.
func (ed *eventEdits) pick(s selector) []int {
	var out []int
	if s.event > 0 {
		n := max(s.count, 1)
		for i := s.event; i < s.event+n && i <= len(ed.events); i++ {
			out = append(out, i)
		}
		return out
	}
	for i, e := range ed.events {
		if eventType(e.Type) == s.typ {
			out = append(out, i+1)
			if s.count > 0 && len(out) == s.count {
				break
			}
		}
	}
	return out
}

// rebuild writes the edited body into the plan.
func (ed *eventEdits) rebuild(p *Plan) {
	order := make([]int, len(ed.segs))
	pos := map[int]int{} // event number -> index in order
	for i := range order {
		order[i] = i
		if n := ed.segs[i].event; n > 0 {
			pos[n] = i
		}
	}
	for n := range ed.events {
		if ed.swap[n+1] {
			if a, ok := pos[n+1]; ok {
				if b, ok := pos[n+2]; ok {
					order[a], order[b] = order[b], order[a]
				}
			}
		}
	}
	var out []piece
	last := p.HeadersDue
	emit := func(ps ...piece) {
		for _, x := range ps {
			out = append(out, x)
			last = max(last, x.due)
		}
	}
	injectAfter := func(n int) {
		for _, m := range ed.inject[n] {
			b, err := sse.AppendMessage(nil, m, ed.eol)
			if err == nil {
				emit(piece{data: b, due: last, end: true})
			}
		}
	}
	injectAfter(0)
	for _, i := range order {
		seg := ed.segs[i]
		n := seg.event
		if n == 0 {
			emit(seg.pieces...)
			continue
		}
		if ed.truncate == n {
			emit(piece{data: ed.truncated(seg), due: seg.due(), end: true})
			p.EndDue = max(last, seg.due())
			p.Reset = false
			p.Chunks = fromPieces(out)
			return
		}
		if !ed.drop[n] {
			if data, changed := ed.changed(seg); changed {
				emit(piece{data: data, due: seg.due(), end: true})
			} else {
				emit(seg.pieces...)
			}
			for range ed.dup[n] {
				emit(piece{data: seg.data, due: seg.due(), end: true})
			}
		}
		injectAfter(n)
	}
	p.Chunks = fromPieces(out)
	if len(p.Chunks) > 0 {
		p.EndDue = max(p.EndDue, p.Chunks[len(p.Chunks)-1].Due)
	}
}

// due is when a segment is complete: the due time of its last piece.
func (s segment) due() (d time.Duration) {
	for _, p := range s.pieces {
		d = max(d, p.due)
	}
	return d
}

// firstData finds the value of the first data line of a segment: its start
// and end within seg.data.
func firstData(seg segment) (int, int, bool) {
	base := seg.block.End - int64(len(seg.data))
	for _, l := range seg.block.Lines {
		if l.Kind != sse.Data {
			continue
		}
		raw := seg.data[l.Start-base : l.End-base]
		colon := bytes.IndexByte(raw, ':')
		if colon < 0 {
			return int(l.Start - base + int64(len(raw))), int(l.Start - base + int64(len(raw))), true
		}
		start := colon + 1
		if start < len(raw) && raw[start] == ' ' {
			start++
		}
		end := len(raw)
		for end > start && (raw[end-1] == '\n' || raw[end-1] == '\r') {
			end--
		}
		return int(l.Start-base) + start, int(l.Start-base) + end, true
	}
	return 0, 0, false
}

// changed applies corrupt and merge to one event's bytes.
func (ed *eventEdits) changed(seg segment) ([]byte, bool) {
	n := seg.event
	kind, corrupt := ed.corrupt[n]
	if !corrupt && !ed.merge[n] {
		return nil, false
	}
	data := slices.Clone(seg.data)
	if corrupt {
		if s, e, ok := firstData(seg); ok {
			var value []byte
			switch kind {
			case "json":
				// Cut the last byte: {"type":"done"} becomes {"type":"done".
				value = data[s:max(s, e-1)]
				if e-s <= 1 {
					value = []byte("{")
				}
			case "utf8":
				mid := s + (e-s)/2
				value = append(append(slices.Clone(data[s:mid]), 0xFF, 0xFE), data[mid:e]...)
			case "garbage":
				value = make([]byte, max(e-s, 1))
				for i := range value {
					value[i] = byte('!' + ed.rng.IntN('~'-'!'+1))
				}
			}
			data = append(append(slices.Clone(data[:s]), value...), data[e:]...)
		}
	}
	if ed.merge[n] {
		data = data[:len(data)-len(seg.block.Ending.Bytes())]
	}
	return data, true
}

// truncated is an event cut in the middle of its (first) data line.
func (ed *eventEdits) truncated(seg segment) []byte {
	s, e, ok := firstData(seg)
	if !ok {
		return seg.data[:len(seg.data)/2]
	}
	return slices.Clone(seg.data[:s+(e-s+1)/2])
}

// The event faults.

type editFault func(ed *eventEdits) error

func (editFault) phase() int { return phaseEvents }
func (f editFault) apply(p *Plan, ctx *faultContext) error {
	ctx.edits.rng = ctx.rng
	return f(ctx.edits)
}

// registerSingle registers an event fault that takes event=N alone.
func registerSingle(name string, set func(ed *eventEdits, n int)) {
	registerFault(name, []string{"event"}, func(params map[string]string) (fault, error) {
		n, ok, err := intParam(params, "event", 1)
		if err == nil && !ok {
			err = fmt.Errorf("give event=N")
		}
		return editFault(func(ed *eventEdits) error {
			if n <= len(ed.events) {
				set(ed, n)
			}
			return nil
		}), err
	})
}
