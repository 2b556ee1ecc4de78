package sse

// The event layer of the decoder: at a blank line the block dispatches its
// event (or nothing), and at the end of the input an unfinished block is
// discarded.

import (
	"io"
	"unsafe"
)

// dispatch runs the spec's dispatch steps at a blank line.
func (d *Decoder) dispatch(ending LineEnding) (Event, bool) {
	if d.lastID != d.idBuf {
		d.lastID = d.idBuf
	}
	start, end := d.blockStart, d.Offset()
	if d.raw {
		d.blk = Block{Terminated: true, Ending: ending, Start: start, End: end, Lines: d.lines}
		d.lines = nil
	}
	d.blockStart = end
	d.blockDirty = false
	if !d.hasData {
		d.typSet = false
		return Event{}, false
	}
	return d.event(start, end), true
}

// event makes the event of the block being dispatched and resets the data
// and event type buffers.
func (d *Decoder) event(start, end int64) Event {
	data := d.firstData()
	if d.dataLines > 1 {
		data = d.strs.take(d.strs.pending())
	}
	typ := ""
	if d.typSet {
		typ = d.typ
	}
	d.hasData, d.dataLines, d.typSet = false, 0, false
	return Event{Type: typ, Data: data, LastEventID: d.lastID, Start: start, End: end}
}

// firstData returns the value of the block's first data line.
func (d *Decoder) firstData() string {
	if d.data1At < 0 {
		return d.data1
	}
	if d.data1Len == 0 {
		return ""
	}
	return unsafe.String(&d.buf[d.data1At], d.data1Len)
}

// atEOF ends the stream: an unfinished block is discarded. In the raw view
// it is returned once, with Terminated false.
func (d *Decoder) atEOF() error {
	d.eof = true
	partial := d.pos < len(d.buf)
	if !partial && !d.blockDirty {
		return io.EOF
	}
	d.discarded = true
	d.blk = Block{Start: d.blockStart, End: d.off + int64(len(d.buf)), Lines: d.lines}
	if d.raw && partial {
		// The unterminated last line is shown, but it never takes effect.
		line := d.buf[d.pos:]
		d.lineValid = d.valid(d.pos, len(d.buf))
		ln := Line{Kind: Comment, HasColon: true, Start: d.Offset(), End: d.blk.End}
		if line[0] == ':' {
			ln.Value = d.cut(line[1:])
		} else {
			name, value, colon := splitField(line)
			ln.Kind, ln.Name, ln.Value, ln.HasColon = fieldKind(name), d.cut(name), d.cut(value), colon
		}
		d.blk.Lines = append(d.blk.Lines, ln)
	}
	d.pos = len(d.buf)
	d.strs.drop()
	d.hasData = false
	d.dataLines = 0
	d.typSet = false
	d.lines = nil
	if d.raw {
		return nil
	}
	return io.EOF
}
