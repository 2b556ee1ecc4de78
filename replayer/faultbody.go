package replayer

import (
	"bytes"
	"io"
	"sort"
	"time"

	"github.com/ssetape/ssetape/sse"
)

// piece is a run of body bytes inside one chunk. Faults that edit the body
// work on pieces so that the chunks they do not touch keep their bounds and
// due times.
type piece struct {
	data []byte
	due  time.Duration
	end  bool // a chunk ends after this piece
}

// joinBody returns the body of a list of chunks.
func joinBody(chunks []Chunk) []byte {
	var b []byte
	for _, c := range chunks {
		b = append(b, c.Data...)
	}
	return b
}

// toPieces cuts chunks into pieces, also at the given body offsets (sorted).
func toPieces(chunks []Chunk, cuts []int64) []piece {
	var out []piece
	pos := int64(0)
	k := 0
	for _, c := range chunks {
		data := c.Data
		start := pos
		for len(data) > 0 {
			for k < len(cuts) && cuts[k] <= pos {
				k++
			}
			n := int64(len(data))
			if k < len(cuts) && cuts[k] < pos+n {
				n = cuts[k] - pos
			}
			out = append(out, piece{data: data[:n], due: c.Due})
			data = data[n:]
			pos += n
		}
		if pos == start { // an empty chunk
			out = append(out, piece{due: c.Due})
		}
		out[len(out)-1].end = true
	}
	return out
}

// fromPieces joins pieces back into chunks: a chunk ends after a piece that
// ends one (and after the last piece). Due times never go backwards.
func fromPieces(ps []piece) []Chunk {
	var out []Chunk
	var cur []byte
	var due, last time.Duration
	open := false
	for i, p := range ps {
		if !open {
			due, open = max(p.due, last), true
		}
		cur = append(cur, p.data...)
		if p.end || i == len(ps)-1 {
			out = append(out, Chunk{Due: due, Data: cur})
			last, cur, open = due, nil, false
		}
	}
	return out
}

// segment is one block of the body (up to and including the blank line
// that ends it) or the unterminated end.
type segment struct {
	pieces []piece
	block  sse.Block
	event  int // the event's number, from 1; 0 for a block that fires none
	data   []byte
}

// segments splits a body, given as chunks, at every dispatch point.
func segments(chunks []Chunk) ([]segment, []sse.Event) {
	body := joinBody(chunks)
	d := sse.NewDecoder(bytes.NewReader(body))
	var blocks []sse.Block
	var cuts []int64
	for {
		b, err := d.NextBlock()
		if err != nil {
			break
		}
		blocks = append(blocks, b)
		cuts = append(cuts, b.End)
	}
	ps := toPieces(chunks, cuts)
	var out []segment
	var events []sse.Event
	pos := int64(0)
	i := 0
	for _, b := range blocks {
		seg := segment{block: b, data: body[b.Start:b.End]}
		if b.Start > pos { // bytes before the first block: the BOM
			seg.data = body[pos:b.End]
		}
		for i < len(ps) && pos < b.End {
			seg.pieces = append(seg.pieces, ps[i])
			pos += int64(len(ps[i].data))
			i++
		}
		if b.Dispatched {
			events = append(events, b.Event)
			seg.event = len(events)
		}
		out = append(out, seg)
	}
	if i < len(ps) { // trailing empty chunks
		out = append(out, segment{pieces: ps[i:]})
	}
	return out, events
}

// lineEnding is the line ending a body mostly uses (LF when it has none).
func lineEnding(segs []segment) sse.LineEnding {
	counts := map[sse.LineEnding]int{}
	for _, s := range segs {
		counts[s.block.Ending]++
	}
	best := sse.LF
	for _, e := range []sse.LineEnding{sse.CRLF, sse.CR} {
		if counts[e] > counts[best] {
			best = e
		}
	}
	return best
}

// chunkEvents works out which events each chunk completes, as a client
// reading the chunks would see them.
func chunkEvents(chunks []Chunk) {
	ends := make([]int64, len(chunks))
	pos := int64(0)
	for i := range chunks {
		chunks[i].Events = nil
		pos += int64(len(chunks[i].Data))
		ends[i] = pos
	}
	d := sse.NewDecoder(bytes.NewReader(joinBody(chunks)))
	for {
		b, err := d.NextBlock()
		if err == io.EOF || err != nil {
			return
		}
		if !b.Dispatched {
			continue
		}
		at := b.End - int64(len(b.Ending.Bytes()))
		i := sort.Search(len(ends), func(i int) bool { return ends[i] > at })
		if i < len(chunks) {
			chunks[i].Events = append(chunks[i].Events, b.Event)
		}
	}
}

// applyFaults changes a plan with the faults that apply to it.
func applyFaults(p *Plan, specs []*FaultSpec, rng interface{ Float64() float64 }, ctx *faultContext) (applied []string, err error) {
	var chosen []*FaultSpec
	for _, f := range specs {
		if f.P < 1 && rng.Float64() >= f.P {
			continue
		}
		chosen = append(chosen, f)
	}
	sort.SliceStable(chosen, func(i, j int) bool { return chosen[i].fault.phase() < chosen[j].fault.phase() })
	edited := false
	for _, f := range chosen {
		if f.fault.phase() != phaseEvents && ctx.edits != nil && !edited {
			ctx.edits.rebuild(p)
			edited = true
		}
		if f.fault.phase() == phaseEvents && ctx.edits == nil {
			if !p.Stream {
				continue
			}
			ctx.edits = newEventEdits(p)
		}
		if err := f.fault.apply(p, ctx); err != nil {
			return applied, err
		}
		applied = append(applied, f.Text)
	}
	if ctx.edits != nil && !edited {
		ctx.edits.rebuild(p)
	}
	if len(applied) > 0 && p.Stream {
		chunkEvents(p.Chunks)
	}
	return applied, nil
}
