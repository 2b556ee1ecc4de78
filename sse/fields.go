package sse

// The field layer of the decoder: a non-blank line becomes a field (data,
// event, id, retry, a comment, an unknown name), applied to the block being
// parsed, and in the raw view a Line.

import (
	"bytes"
	"math"
	"time"
	"unsafe"
)

// field applies one non-blank line to the block being parsed.
func (d *Decoder) field(line []byte, start int64, ending LineEnding) error {
	// The common case first: "data:" lines.
	if len(line) >= 5 && string(line[:5]) == "data:" && !d.raw {
		value := line[5:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		return d.appendData(value)
	}
	var ln Line
	if line[0] == ':' {
		if d.raw {
			ln = Line{Kind: Comment, Value: d.cut(line[1:]), HasColon: true}
		}
	} else {
		name, value, colon := splitField(line)
		kind, ignored := fieldKind(name), false
		switch kind {
		case Data:
			if err := d.appendData(value); err != nil {
				return err
			}
		case EventType:
			d.typ = d.intern(d.typ, value)
			d.typSet = true
		case ID:
			if bytes.IndexByte(value, 0) >= 0 {
				ignored = true
			} else {
				d.idBuf = d.intern(d.idBuf, value)
			}
		case Retry:
			if ms, ok := parseRetry(value); ok {
				d.retry, d.hasRetry = ms, true
			} else {
				ignored = true
			}
		}
		if d.raw {
			ln = Line{Kind: kind, Name: d.cut(name), Value: d.cut(value), HasColon: colon, Ignored: ignored}
		}
	}
	if d.raw {
		ln.Ending = ending
		ln.Start = start
		ln.End = d.Offset()
		d.lines = append(d.lines, ln)
	}
	return nil
}

// appendData adds a data value to the data buffer. The first line's value
// is kept as a string cut from the read buffer (no copy); only a second line
// starts a joined copy in the arena.
func (d *Decoder) appendData(value []byte) error {
	d.hasData = true
	d.dataLines++
	if d.dataLines == 1 {
		d.data1, d.data1At = d.cut(value), -1
		if len(d.data1) > d.maxEvent {
			d.err = ErrTooLarge
			return d.err
		}
		return nil
	}
	if d.dataLines == 2 {
		first := d.firstData()
		d.strs.drop()
		d.strs.reserve(len(first) + 1 + len(value))
		d.strs.b = append(d.strs.b, first...)
	}
	d.strs.appendByte('\n')
	if d.lineValid {
		d.strs.reserve(len(value))
		d.strs.b = append(d.strs.b, value...)
	} else {
		d.strs.appendUTF8(value)
	}
	if d.strs.pending() > d.maxEvent {
		d.err = ErrTooLarge
		return d.err
	}
	return nil
}

// cut returns b, a part of the current line (or of the unterminated last
// one), as a string decoded the WHATWG way: without a copy when the line is
// known to be valid UTF-8, else repaired.
func (d *Decoder) cut(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if d.lineValid {
		return unsafe.String(&b[0], len(b))
	}
	return string(appendUTF8(nil, b))
}

// intern returns old when b spells it (no allocation), else b as a string,
// decoded as UTF-8.
func (d *Decoder) intern(old string, b []byte) string {
	// old may hold bytes that are not UTF-8 (a Last-Event-ID seed given as
	// it came): equal bytes are then not the same text. A valid line has
	// valid values; cut decodes the others.
	if string(b) == old && d.lineValid {
		return old
	}
	return d.cut(b)
}

// splitField splits a field line at its first colon and removes exactly one
// leading space from the value. A line without a colon is all name.
func splitField(line []byte) (name, value []byte, colon bool) {
	i := bytes.IndexByte(line, ':')
	if i < 0 {
		return line, nil, false
	}
	value = line[i+1:]
	if len(value) > 0 && value[0] == ' ' {
		value = value[1:]
	}
	return line[:i], value, true
}

// fieldKind names a field; names are compared literally, with no case folding.
func fieldKind(name []byte) LineKind {
	switch string(name) {
	case "data":
		return Data
	case "event":
		return EventType
	case "id":
		return ID
	case "retry":
		return Retry
	}
	return Unknown
}

// parseRetry reads a retry value: ASCII digits only, at least one, in
// milliseconds, saturating at the largest time.Duration.
func parseRetry(b []byte) (time.Duration, bool) {
	if len(b) == 0 {
		return 0, false
	}
	const maxMS = math.MaxInt64 / int64(time.Millisecond)
	var ms int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if ms <= maxMS {
			ms = ms*10 + int64(c-'0')
		}
	}
	if ms > maxMS {
		return time.Duration(math.MaxInt64), true
	}
	return time.Duration(ms) * time.Millisecond, true
}
