package sse

// The line layer of the decoder: reading into buffers that are never
// overwritten, finding line ends (CR, LF, CRLF, also split across reads),
// and knowing which stretches of the buffer are valid UTF-8 and free of
// bare CRs, so that the layers above need not check again.

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"
)

// bufSize is the size of a read buffer; a new one is started when fewer than
// minRead bytes are left in the current one.
const (
	bufSize = 32 << 10
	minRead = 1 << 10
)

// lineEnd finds the next line end in buf[pos:]: its index and its length
// (1, or 2 for CRLF), or -1 when the buffered bytes hold no complete line. A
// CR at the very end of the buffer is a complete line end (length 1).
func (d *Decoder) lineEnd() (int, int) {
	if d.pos >= d.crFrom && d.pos < d.crTo {
		if i := bytes.IndexByte(d.buf[d.pos:d.crTo], '\n'); i >= 0 {
			e := d.pos + i
			if e > d.pos && d.buf[e-1] == '\r' {
				return e - 1, 2
			}
			return e, 1
		}
	}
	nl := d.nl.find(d.buf, d.pos)
	cr := d.cr.find(d.buf, d.pos)
	switch {
	case cr >= 0 && (nl < 0 || cr < nl):
		if cr+1 == nl {
			return cr, 2
		}
		return cr, 1
	case nl >= 0:
		return nl, 1
	}
	return -1, 0
}

// checkUTF8 validates the bytes read since the last check, once, so that
// lines inside a valid region need no check of their own. An incomplete
// sequence at the end waits for the next read.
func (d *Decoder) checkUTF8() {
	end := len(d.buf)
	for k := 1; k <= 3 && end-k >= d.checked; k++ {
		if c := d.buf[end-k]; c >= 0xC0 {
			if !utf8.FullRune(d.buf[end-k:]) {
				end -= k
			}
			break
		} else if c < 0x80 {
			break
		}
	}
	if end <= d.checked {
		return
	}
	if utf8.Valid(d.buf[d.checked:end]) {
		if d.validTo != d.checked {
			d.validFrom = d.checked
		}
		d.validTo = end
	}
	d.checked = end
}

// checkCR finds the stretch of newly read bytes in which every CR is
// followed by an LF (the whole read, in LF and CRLF streams), so that
// lineEnd can look for LF alone there.
func (d *Decoder) checkCR() {
	from := d.crChecked
	r := d.buf[from:]
	end := len(d.buf)
	for {
		j := bytes.IndexByte(r, '\r')
		if j < 0 {
			break
		}
		if j+1 == len(r) {
			end = len(d.buf) - 1 // wait for the byte after this CR
			break
		}
		if r[j+1] != '\n' {
			end = len(d.buf) - len(r) + j
			break
		}
		// The blank line that usually follows needs no search of its own.
		for j+3 < len(r) && r[j+2] == '\r' && r[j+3] == '\n' {
			j += 2
		}
		r = r[j+2:]
	}
	if end > from {
		if d.crTo != from {
			d.crFrom = from
		}
		d.crTo = end
	}
	// Past a bare CR the general path takes over until the next read.
	d.crChecked = len(d.buf)
	if end < d.crChecked && end >= from && d.buf[end] == '\r' && end+1 == len(d.buf) {
		d.crChecked = end
	}
}

// valid reports whether buf[i:j] is known to be valid UTF-8.
func (d *Decoder) valid(i, j int) bool { return i >= d.validFrom && j <= d.validTo }

// fill reads more input into buf, moving the unprocessed bytes to the front
// and growing the buffer when a line does not fit.
func (d *Decoder) fill() error {
	if d.rerr != nil {
		return d.rerr
	}
	// Strings handed out may point into buf, so its bytes are never
	// written again: when it is full, the unprocessed tail moves to a new
	// buffer instead of to the front of this one.
	if cap(d.buf)-len(d.buf) < minRead {
		if d.hasData && d.dataLines == 1 && d.data1At >= 0 {
			d.data1, d.data1At = d.firstData(), -1
		}
		tail := d.buf[d.pos:]
		size := max(bufSize, 2*len(tail))
		if limit := d.maxLine + 2 + minRead; size > bufSize && size > limit {
			size = max(limit, len(tail)+minRead)
		}
		nb := make([]byte, len(tail), size)
		copy(nb, tail)
		d.buf = nb
		d.off += int64(d.pos)
		d.nl.shift(d.pos)
		d.cr.shift(d.pos)
		d.validFrom = max(d.validFrom-d.pos, 0)
		d.validTo = max(d.validTo-d.pos, 0)
		d.checked = max(d.checked-d.pos, 0)
		d.crFrom = max(d.crFrom-d.pos, 0)
		d.crTo = max(d.crTo-d.pos, 0)
		d.crChecked = max(d.crChecked-d.pos, 0)
		d.pos = 0
	}
	for range 100 {
		n, err := d.r.Read(d.buf[len(d.buf):cap(d.buf)])
		if n < 0 || n > cap(d.buf)-len(d.buf) {
			d.rerr = errors.New("sse: reader returned an invalid count")
			return d.rerr
		}
		d.buf = d.buf[:len(d.buf)+n]
		if n > 0 {
			d.checkUTF8()
			d.checkCR()
		}
		if err != nil {
			d.rerr = err
			if n > 0 {
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	d.rerr = io.ErrNoProgress
	return d.rerr
}

func (s *byteScan) find(buf []byte, pos int) int {
	if s.at >= pos {
		return s.at
	}
	from := pos
	if s.at < 0 && s.end > from {
		from = s.end
	}
	if j := bytes.IndexByte(buf[from:], s.c); j >= 0 {
		s.at = from + j
	} else {
		s.at, s.end = -1, len(buf)
	}
	return s.at
}

func (s *byteScan) shift(k int) {
	if s.at >= k {
		s.at -= k
		return
	}
	if s.at < 0 && s.end >= k {
		s.end -= k
		return
	}
	s.at, s.end = -1, 0
}

// byteScan remembers where the next occurrence of one byte is in the buffer,
// so that a buffer holding many lines is searched once, not once per line.
type byteScan struct {
	c   byte
	at  int // index of the next c at or after the last pos, or -1
	end int // when at < 0: buf[:end] holds no c past the last pos
}
