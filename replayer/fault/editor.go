package fault

import (
	"slices"

	"github.com/ssetape/ssetape/sse"
)

// editor collects the event faults of one request as a few operations on
// events numbered as recorded, then rebuilds the body once (rebuild): so
// that drop:event=2;drop:event=3 drops the 2nd and 3rd recorded events
// whatever else is done, and the work is linear in the body.
type editor struct {
	segs   []segment
	events []sse.Event
	eol    sse.LineEnding
	// ops[n] are the operations on event n (from 1); ops[0] holds only the
	// insertions before the first event.
	ops []eventOps
}

// eventOps are the operations on one event.
type eventOps struct {
	drop    bool
	dups    int
	join    bool // remove its blank line: it and the next arrive as one
	swap    bool // send it after the next event
	cut     bool // the stream ends in the middle of its first data line
	replace func(value []byte) []byte
	inserts []sse.Message // events sent right after it
}

func newEditor(p *Plan) *editor {
	segs, events := segments(p.Chunks)
	return &editor{segs: segs, events: events, eol: lineEnding(segs), ops: make([]eventOps, len(events)+1)}
}

// The operations. n counts events from 1 as recorded; one past the end is
// ignored, so that a fault aimed at an event the stream lacks does nothing.

func (ed *editor) valid(n int) bool { return n >= 1 && n <= len(ed.events) }

func (ed *editor) drop(n int) {
	if ed.valid(n) {
		ed.ops[n].drop = true
	}
}

func (ed *editor) duplicate(n int) {
	if ed.valid(n) {
		ed.ops[n].dups++
	}
}

func (ed *editor) joinNext(n int) {
	if ed.valid(n) {
		ed.ops[n].join = true
	}
}

func (ed *editor) swapNext(n int) {
	if ed.valid(n) {
		ed.ops[n].swap = true
	}
}

func (ed *editor) cutAt(n int) {
	if ed.valid(n) {
		ed.ops[n].cut = true
	}
}

// replace changes the value of event n's first data line.
func (ed *editor) replace(n int, fn func([]byte) []byte) {
	if ed.valid(n) {
		ed.ops[n].replace = fn
	}
}

// insertAfter sends m right after event n (0: before the first), with the
// stream's line ending.
func (ed *editor) insertAfter(n int, m sse.Message) {
	n = min(max(n, 0), len(ed.events))
	ed.ops[n].inserts = append(ed.ops[n].inserts, m)
}

// planned counts what rebuild would make: events and bytes, without
// making them, so that a request over a cap is refused before it costs
// memory.
func (ed *editor) planned() (events int, size int64) {
	inserts := func(ms []sse.Message) {
		for _, m := range ms {
			events++
			size += int64(len(m.Comment) + len(m.ID) + len(m.Event) + len(m.Data) + 32)
		}
	}
	inserts(ed.ops[0].inserts)
	for _, seg := range ed.segs {
		if seg.event == 0 {
			size += int64(len(seg.data))
			continue
		}
		op := &ed.ops[seg.event]
		if !op.drop {
			k := int64(1 + op.dups)
			events += int(k)
			size += k * int64(len(seg.data))
		}
		inserts(op.inserts)
	}
	return events, size
}

// rebuild writes the edited body into the plan.
func (ed *editor) rebuild(p *Plan) {
	order := make([]int, len(ed.segs))
	pos := make([]int, len(ed.events)+2) // event number -> index in order, -1 none
	for i := range pos {
		pos[i] = -1
	}
	for i := range order {
		order[i] = i
		if n := ed.segs[i].event; n > 0 {
			pos[n] = i
		}
	}
	for n := 1; n <= len(ed.events); n++ {
		if ed.ops[n].swap && pos[n] >= 0 && pos[n+1] >= 0 {
			a, b := pos[n], pos[n+1]
			order[a], order[b] = order[b], order[a]
		}
	}
	out := make([]piece, 0, len(ed.segs)+8)
	last := p.HeadersDue
	emit := func(ps ...piece) {
		for _, x := range ps {
			out = append(out, x)
			last = max(last, x.due)
		}
	}
	insertAfter := func(n int) {
		for _, m := range ed.ops[n].inserts {
			if b, err := sse.AppendMessage(nil, m, ed.eol); err == nil {
				emit(piece{data: b, due: last, end: true})
			}
		}
	}
	insertAfter(0)
	for _, i := range order {
		seg := ed.segs[i]
		n := seg.event
		if n == 0 {
			emit(seg.pieces...)
			continue
		}
		op := &ed.ops[n]
		if op.cut {
			emit(piece{data: cutFirstData(seg), due: seg.due(), end: true})
			p.EndDue = max(last, seg.due())
			p.Reset = false
			p.Chunks = fromPieces(out)
			return
		}
		if !op.drop {
			if data, changed := edited(seg, op); changed {
				emit(piece{data: data, due: seg.due(), end: true})
			} else {
				emit(seg.pieces...)
			}
			for range op.dups {
				emit(piece{data: seg.data, due: seg.due(), end: true})
			}
		}
		insertAfter(n)
	}
	p.Chunks = fromPieces(out)
	if len(p.Chunks) > 0 {
		p.EndDue = max(p.EndDue, p.Chunks[len(p.Chunks)-1].Due)
	}
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
		lineStart := int(l.Start - base)
		colon := -1
		for i, c := range raw {
			if c == ':' {
				colon = i
				break
			}
		}
		if colon < 0 {
			return lineStart + len(raw), lineStart + len(raw), true
		}
		start := colon + 1
		if start < len(raw) && raw[start] == ' ' {
			start++
		}
		end := len(raw)
		for end > start && (raw[end-1] == '\n' || raw[end-1] == '\r') {
			end--
		}
		return lineStart + start, lineStart + end, true
	}
	return 0, 0, false
}

// edited applies replace and join to one event's bytes.
func edited(seg segment, op *eventOps) ([]byte, bool) {
	if op.replace == nil && !op.join {
		return nil, false
	}
	data := seg.data
	if op.replace != nil {
		if s, e, ok := firstData(seg); ok {
			value := op.replace(slices.Clone(data[s:e]))
			data = append(append(slices.Clip(slices.Clone(data[:s])), value...), data[e:]...)
		}
	}
	if op.join {
		data = data[:len(data)-len(seg.block.Ending.Bytes())]
	}
	return data, true
}

// cutFirstData is an event cut in the middle of its (first) data line.
func cutFirstData(seg segment) []byte {
	s, e, ok := firstData(seg)
	if !ok {
		return seg.data[:len(seg.data)/2]
	}
	return slices.Clone(seg.data[:s+(e-s+1)/2])
}
