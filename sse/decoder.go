package sse

import (
	"bytes"
	"errors"
	"io"
	"math"
	"time"
	"unicode/utf8"
	"unsafe"
)

// DefaultMaxSize is the default limit, in bytes, for one line and for the
// data of one event.
const DefaultMaxSize = 1 << 20

// ErrTooLarge is returned when a line or the data of an event exceeds the
// decoder's limit (see [WithMaxLineSize], [WithMaxEventSize]). Decoding stops:
// every later call returns it again. [Decoder.Offset] tells where it stopped.
var ErrTooLarge = errors.New("sse: line or event exceeds the size limit")

// Event is one dispatched event, as EventSource would fire it.
type Event struct {
	// Type is the event field as sent; "" when none was sent (EventSource
	// reports "message" then).
	Type string
	// Data is the data buffer with its final LF removed: several data lines
	// are joined with "\n".
	Data string
	// LastEventID is the last event ID string at dispatch: the id of this
	// block, or the last id seen before it.
	LastEventID string
	// Start is the input offset of the first byte after the previous
	// dispatch point (after the BOM for the first block); comments and fields
	// that lead up to the event belong to it. End is one past the line end of
	// the blank line that dispatched it. Offsets count the BOM.
	Start, End int64
}

// Option configures a [Decoder].
type Option func(*Decoder)

// WithMaxLineSize sets the largest line, in bytes without its line end, that
// the decoder accepts before it returns [ErrTooLarge]. n <= 0 means the
// default, [DefaultMaxSize].
func WithMaxLineSize(n int) Option {
	return func(d *Decoder) {
		if n > 0 {
			d.maxLine = n
		}
	}
}

// WithMaxEventSize sets the largest data buffer, in bytes, of one event
// before the decoder returns [ErrTooLarge]. n <= 0 means the default,
// [DefaultMaxSize].
func WithMaxEventSize(n int) Option {
	return func(d *Decoder) {
		if n > 0 {
			d.maxEvent = n
		}
	}
}

// Decoder reads events from an SSE byte stream. It is incremental: it reads
// only as much as it needs to return the next event, and it dispatches an
// event as soon as the blank line that ends it has arrived (a CR is taken as a
// line end at once, without waiting to see whether an LF follows).
//
// The strings a Decoder returns point into its read buffers, which are never
// reused (a full buffer is replaced, not overwritten): a single-line event
// costs no allocation and no copy. Holding one event's Data therefore keeps
// its read buffer (32 KiB, or the event's size) alive.
//
// A Decoder is not safe for concurrent use.
type Decoder struct {
	r    io.Reader
	buf  []byte
	pos  int   // first unprocessed byte in buf
	off  int64 // input offset of buf[0]
	rerr error // read error to report once buf is used up
	err  error // sticky decoding error (ErrTooLarge)

	maxLine, maxEvent int

	bomDone bool
	afterCR bool // the last line ended with a CR at the end of what was read: swallow one LF
	nl, cr  byteScan
	// buf[validFrom:validTo] is known to be valid UTF-8 (checked once per
	// read, not once per line); buf[:checked] has been checked.
	validFrom, validTo, checked int
	// buf[crFrom:crTo] holds no bare CR (every CR in it is followed by an
	// LF), so a line there ends at the first LF; buf[:crChecked] is checked.
	crFrom, crTo, crChecked int

	// The block being parsed. The data buffer is the first data line's
	// value alone, or, from the second data line on, the joined lines as
	// the pending part of strs.
	strs      arena
	hasData   bool
	dataLines int    // data lines in the block
	data1     string // the value of the first data line, when not in buf
	// When data1At >= 0 the first data line's value is buf[data1At:][:data1Len]
	// (kept as numbers so that the hot loop writes no pointers).
	data1At, data1Len int
	typSet            bool // the event type buffer is typ when set, else ""
	typ               string
	idBuf             string
	blockStart        int64
	blockDirty        bool // a line (or part of one) was seen since blockStart

	lastID    string
	retry     time.Duration
	hasRetry  bool
	discarded bool
	eof       bool

	lineValid bool // the current line is known to be valid UTF-8

	raw   bool // collect Lines for NextBlock
	lines []Line
	blk   Block // the block that block() finished
}

// NewDecoder returns a decoder that reads from r.
func NewDecoder(r io.Reader, opts ...Option) *Decoder {
	d := &Decoder{
		r:        r,
		maxLine:  DefaultMaxSize,
		maxEvent: DefaultMaxSize,
		nl:       byteScan{c: '\n', at: -1},
		cr:       byteScan{c: '\r', at: -1},
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Next returns the next dispatched event. At the end of the input it returns
// io.EOF, also when an unterminated final block was discarded (see
// [Decoder.Discarded]). A read error other than io.EOF is returned as it came;
// the events before it have been returned already.
func (d *Decoder) Next() (Event, error) {
	d.raw = false
	for {
		if e, ok := d.fast(); ok {
			return e, nil
		}
		e, ok, err := d.block()
		if err != nil {
			return Event{}, err
		}
		if ok {
			return e, nil
		}
	}
}

// NextBlock returns the next block of the raw view: the lines up to and
// including a blank line, whether or not they dispatch an event. Comment-only
// blocks (keep-alives), id-only and retry-only blocks and blocks of unknown
// fields are returned like any other; Dispatched says whether the block fired
// an event, and Event is that event. At the end of the input an unterminated
// final block, if there is one, is returned once with Terminated false (it
// dispatches nothing), and then io.EOF.
//
// Next and NextBlock may be mixed: Next skips the blocks that dispatch nothing.
func (d *Decoder) NextBlock() (Block, error) {
	d.raw = true
	e, ok, err := d.block()
	if err != nil {
		return Block{}, err
	}
	b := d.blk
	b.Event, b.Dispatched = e, ok
	return b, nil
}

// Retry returns the last valid retry value seen (the reconnection time), if
// any. A retry line takes effect when it is read, even in a block that is
// later discarded.
func (d *Decoder) Retry() (time.Duration, bool) { return d.retry, d.hasRetry }

// LastEventID returns the last event ID string: what a client would now send
// as Last-Event-ID. It changes at every blank line (id-only blocks included)
// and never from a discarded final block.
func (d *Decoder) LastEventID() string { return d.lastID }

// SetLastEventID seeds the last event ID (both the buffer and the string), as
// a browser does for the parser of a reconnected stream. Call it before the
// first Next.
func (d *Decoder) SetLastEventID(id string) {
	d.lastID = id
	d.idBuf = id
}

// Discarded reports, after io.EOF, whether the input ended inside a block that
// was therefore dropped (the spec's "incomplete event is not dispatched").
func (d *Decoder) Discarded() bool { return d.discarded }

// Offset returns the input offset of the first byte not yet processed.
func (d *Decoder) Offset() int64 { return d.off + int64(d.pos) }

var bom = []byte{0xEF, 0xBB, 0xBF}

// bufSize is the size of a read buffer; a new one is started when fewer than
// minRead bytes are left in the current one.
const (
	bufSize = 32 << 10
	minRead = 1 << 10
)

// block parses up to the next blank line (or, in the raw view, the end of
// the input). It returns the event the block dispatched, if any, and leaves
// the rest of the raw view of the block in d.blk.
func (d *Decoder) block() (Event, bool, error) {
	if d.err != nil {
		return Event{}, false, d.err
	}
	if d.eof {
		return Event{}, false, io.EOF
	}
	for {
		if !d.bomDone {
			avail := d.buf[d.pos:]
			if len(avail) < len(bom) && bytes.HasPrefix(bom, avail) && d.rerr == nil {
				if err := d.fill(); err != nil && err != io.EOF {
					return Event{}, false, err
				}
				continue
			}
			if bytes.HasPrefix(avail, bom) {
				d.pos += len(bom)
				d.blockStart = d.Offset()
			}
			d.bomDone = true
		}
		if d.afterCR && d.pos < len(d.buf) {
			d.afterCR = false
			if d.buf[d.pos] == '\n' {
				d.pos++
				if !d.blockDirty {
					d.blockStart = d.Offset()
				} else if n := len(d.lines); d.raw && n > 0 {
					d.lines[n-1].Ending = CRLF
					d.lines[n-1].End++
				}
			}
		}
		e, elen := d.lineEnd()
		if e < 0 {
			if len(d.buf)-d.pos > d.maxLine {
				d.err = ErrTooLarge
				return Event{}, false, d.err
			}
			if d.pos < len(d.buf) {
				d.blockDirty = true
			}
			err := d.fill()
			if err == nil {
				continue
			}
			if err == io.EOF {
				return Event{}, false, d.atEOF()
			}
			return Event{}, false, err
		}
		line := d.buf[d.pos:e]
		d.lineValid = d.valid(d.pos, e)
		start := d.Offset()
		d.pos = e + elen
		if len(line) > d.maxLine {
			d.err = ErrTooLarge
			return Event{}, false, d.err
		}
		ending := LF
		if elen == 2 {
			ending = CRLF
		} else if d.buf[e] == '\r' {
			ending = CR
			if d.pos == len(d.buf) {
				d.afterCR = true
			}
		}
		if len(line) == 0 {
			e, ok := d.dispatch(ending)
			return e, ok, nil
		}
		d.blockDirty = true
		if err := d.field(line, start, ending); err != nil {
			return Event{}, false, err
		}
		if !d.raw {
			// Back to Next, whose fast loop may take the next lines.
			return Event{}, false, nil
		}
	}
}

// fast is the hot loop of Next. Over buffered bytes already known to be
// valid UTF-8 and free of bare CRs, it applies the common lines (a first data
// line, event, id, comments) and dispatches at a blank line. At anything else
// (a second data line, retry, unknown fields, a long line, the end of the
// checked bytes) it stops and leaves the line to block, which handles every
// case; the state it leaves is the same block would have left.
func (d *Decoder) fast() (Event, bool) {
	if d.afterCR || !d.bomDone || d.err != nil || d.pos < d.crFrom || d.pos < d.validFrom {
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

// intern returns old when b spells it (no allocation), else b as a string,
// decoded as UTF-8.
func (d *Decoder) intern(old string, b []byte) string {
	if string(b) == old {
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

// byteScan remembers where the next occurrence of one byte is in the buffer,
// so that a buffer holding many lines is searched once, not once per line.
type byteScan struct {
	c   byte
	at  int // index of the next c at or after the last pos, or -1
	end int // when at < 0: buf[:end] holds no c past the last pos
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
