package sse

import (
	"bytes"
	"errors"
	"io"
	"time"
)

// DefaultMaxSize is the default limit, in bytes, for one line and for the
// data of one event.
const DefaultMaxSize = 1 << 20

// ErrTooLarge is returned when a line or the data of an event exceeds the
// decoder's limit (see [WithMaxLineSize], [WithMaxEventSize]). Decoding stops:
// every later call returns it again. [Decoder.Offset] tells where it stopped.
var ErrTooLarge = errors.New("sse: line or event exceeds the size limit")

// DefaultType is the type EventSource gives an event that names none.
const DefaultType = "message"

// TypeName is the type EventSource reports for an event name as sent:
// DefaultType when none was sent.
func TypeName(name string) string {
	if name == "" {
		return DefaultType
	}
	return name
}

// Event is one dispatched event, as EventSource would fire it.
type Event struct {
	// Type is the event field as sent; "" when none was sent (EventSource
	// reports DefaultType then: see TypeName).
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
