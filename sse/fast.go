package sse

// The decoder's fast path, cross-checked against the general one (block)
// by the tests and the fuzz targets: both must leave the same state.

import (
	"bytes"
	"unsafe"
)

// fast is the hot loop of Next. Over buffered bytes already known to be
// valid UTF-8 and free of bare CRs, it applies the common lines (a first data
// line, event, id, comments) and dispatches at a blank line. At anything else
// (a second data line, retry, unknown fields, a long line, the end of the
// checked bytes) it stops and leaves the line to block, which handles every
// case; the state it leaves is the same block would have left.
func (d *Decoder) fast() (Event, bool) {
	if !d.fastReady() {
		return Event{}, false
	}
	buf := d.buf[:min(d.crTo, d.validTo)]
	pos := d.pos
	for pos < len(buf) {
		// A blank line is a third of the lines: spot it without a search.
		var i int
		switch {
		case buf[pos] == '\n':
			i = 0
		case buf[pos] == '\r' && pos+1 < len(buf) && buf[pos+1] == '\n':
			i = 1
		default:
			if i = bytes.IndexByte(buf[pos:], '\n'); i < 0 {
				i = len(buf) // no complete line
			}
		}
		if pos+i >= len(buf) {
			break
		}
		e, next := pos+i, pos+i+1
		if e > pos && buf[e-1] == '\r' {
			e--
		}
		line := buf[pos:e]
		if len(line) == 0 {
			// dispatch, as in d.dispatch
			d.pos = next
			if d.lastID != d.idBuf {
				d.lastID = d.idBuf
			}
			start, end := d.blockStart, d.off+int64(next)
			d.blockStart = end
			d.blockDirty = false
			if d.hasData {
				return d.event(start, end), true
			}
			d.typSet = false
			pos = next
			continue
		}
		if len(line) > d.maxLine {
			break
		}
		switch {
		case line[0] == ':':
		case len(line) >= 5 && string(line[:5]) == "data:":
			if d.dataLines > 0 {
				d.pos = pos
				return Event{}, false
			}
			value := line[5:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
			if len(value) > d.maxEvent {
				d.pos = pos
				return Event{}, false
			}
			d.data1At, d.data1Len = e-len(value), len(value)
			d.dataLines, d.hasData = 1, true
		case len(line) >= 6 && string(line[:6]) == "event:":
			value := line[6:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
			if string(value) != d.typ {
				d.typ = unsafe.String(unsafe.SliceData(value), len(value))
			}
			d.typSet = true
		default:
			d.pos = pos
			return Event{}, false
		}
		d.blockDirty = true
		pos = next
	}
	d.pos = pos
	return Event{}, false
}

// fastReady reports whether the fast path may start at d.pos: past the BOM
// and a pending CR, with no error, in bytes already checked for UTF-8 and
// bare CRs.
func (d *Decoder) fastReady() bool {
	return !d.afterCR && d.bomDone && d.err == nil && d.pos >= d.crFrom && d.pos >= d.validFrom
}
