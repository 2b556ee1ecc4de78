package fault

import (
	"bytes"
	"io"
	"sort"
	"time"

	"github.com/ssetape/ssetape/sse"
)

// piece is a run of body bytes inside one chunk. The event editor works on
// pieces so that the chunks it does not touch keep their bounds and due
// times.
type piece struct {
	data []byte
	due  time.Duration
	end  bool // a chunk ends after this piece
}

// toPieces cuts chunks into pieces, also at the given body offsets (sorted).
func toPieces(chunks []Chunk, cuts []int64) []piece {
	out := make([]piece, 0, len(chunks)+len(cuts))
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
	n := 0
	for i, p := range ps {
		if p.end || i == len(ps)-1 {
			n++
		}
	}
	out := make([]Chunk, 0, n)
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

// due is when a segment is complete: the due time of its last piece.
func (s segment) due() (d time.Duration) {
	for _, p := range s.pieces {
		d = max(d, p.due)
	}
	return d
}

// segments splits a body, given as chunks, at every dispatch point.
func segments(chunks []Chunk) ([]segment, []sse.Event) {
	body := JoinBody(chunks)
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
	out := make([]segment, 0, len(blocks)+1)
	var events []sse.Event
	pos := int64(0)
	i := 0
	for _, b := range blocks {
		seg := segment{block: b, data: body[b.Start:b.End]}
		if b.Start > pos { // bytes before the first block: the BOM
			seg.data = body[pos:b.End]
		}
		start := i
		for i < len(ps) && pos < b.End {
			pos += int64(len(ps[i].data))
			i++
		}
		seg.pieces = ps[start:i:i]
		if b.Dispatched {
			events = append(events, b.Event)
			seg.event = len(events)
		}
		out = append(out, seg)
	}
	if i < len(ps) { // the unterminated end, or trailing empty chunks
		out = append(out, segment{pieces: ps[i:]})
	}
	return out, events
}

// lineEnding is the line ending a body mostly uses (LF when it has none).
func lineEnding(segs []segment) sse.LineEnding {
	var endings sse.LineEndings
	for _, s := range segs {
		endings.Add(s.block.Ending)
	}
	return endings.Dominant()
}

// blockBounds decodes a body given as chunks into its blocks: where each
// starts and ends, and the event it fires.
func blockBounds(chunks []Chunk) []sse.Block {
	d := sse.NewDecoder(bytes.NewReader(JoinBody(chunks)))
	var out []sse.Block
	for {
		b, err := d.NextBlock()
		if err != nil {
			return out
		}
		b.Lines = nil // not needed, and not kept
		out = append(out, b)
	}
}

// ChunkEvents works out which events each chunk completes, as a client
// reading the chunks would see them: the chunk that holds an event's
// dispatching line end completes it. Event offsets are body offsets.
func ChunkEvents(chunks []Chunk) {
	ends := make([]int64, len(chunks))
	pos := int64(0)
	for i := range chunks {
		chunks[i].Events = nil
		pos += int64(len(chunks[i].Data))
		ends[i] = pos
	}
	d := sse.NewDecoder(bytes.NewReader(JoinBody(chunks)))
	for {
		b, err := d.NextBlock()
		if err == io.EOF || err != nil {
			return
		}
		if !b.Dispatched {
			continue
		}
		at := b.DispatchOffset()
		i := sort.Search(len(ends), func(i int) bool { return ends[i] > at })
		if i < len(chunks) {
			chunks[i].Events = append(chunks[i].Events, b.Event)
		}
	}
}

// splitAt cuts chunks at a body offset: the chunks before it and the chunks
// from it on; the chunk that holds it is cut in two, both parts due when it
// was (a pause before it stays before its first part). An offset at or past
// the end leaves after empty.
func splitAt(chunks []Chunk, off int64) (before, after []Chunk) {
	pos := int64(0)
	for i, c := range chunks {
		n := int64(len(c.Data))
		switch {
		case pos >= off:
			return chunks[:i:i], chunks[i:]
		case off < pos+n:
			k := off - pos
			first := Chunk{Due: c.Due, Data: c.Data[:k:k], Pause: c.Pause}
			second := Chunk{Due: c.Due, Data: c.Data[k:]}
			before = append(append(make([]Chunk, 0, i+1), chunks[:i]...), first)
			after = append(append(make([]Chunk, 0, len(chunks)-i), second), chunks[i+1:]...)
			return before, after
		}
		pos += n
	}
	return chunks, nil
}
