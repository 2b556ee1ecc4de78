package sse

// LineEnding is how a line ends on the wire.
type LineEnding uint8

// The line endings of the spec. NoLineEnding marks the unterminated last line
// of a stream.
const (
	NoLineEnding LineEnding = iota
	LF
	CRLF
	CR
)

// String returns "lf", "crlf", "cr" or "none".
func (e LineEnding) String() string {
	switch e {
	case LF:
		return "lf"
	case CRLF:
		return "crlf"
	case CR:
		return "cr"
	}
	return "none"
}

// Bytes returns the line ending's bytes ("" for NoLineEnding).
func (e LineEnding) Bytes() string {
	switch e {
	case LF:
		return "\n"
	case CRLF:
		return "\r\n"
	case CR:
		return "\r"
	}
	return ""
}

// LineEndings counts line endings, to find the one a stream mostly uses:
// the one a re-encoded or synthesised stream then keeps.
type LineEndings [4]int

// Add counts one line ending; NoLineEnding is not counted.
func (c *LineEndings) Add(e LineEnding) {
	if e != NoLineEnding && int(e) < len(c) {
		c[e]++
	}
}

// Dominant is the line ending counted most often: LF when none was counted
// or on a tie with LF, then CRLF before CR.
func (c *LineEndings) Dominant() LineEnding {
	best := LF
	for _, e := range []LineEnding{CRLF, CR} {
		if c[e] > c[best] {
			best = e
		}
	}
	return best
}

// ParseLineEnding reads "lf", "crlf" or "cr".
func ParseLineEnding(s string) (LineEnding, bool) {
	switch s {
	case "lf":
		return LF, true
	case "crlf":
		return CRLF, true
	case "cr":
		return CR, true
	}
	return NoLineEnding, false
}

// LineKind says what a line of a block is.
type LineKind uint8

// The kinds of line in a block.
const (
	Comment   LineKind = iota + 1 // starts with a colon
	Data                          // data field
	EventType                     // event field
	ID                            // id field
	Retry                         // retry field
	Unknown                       // any other field name, compared literally
)

// String returns the kind's name as a field would spell it ("comment" for a
// comment, "unknown" for an unknown field).
func (k LineKind) String() string {
	switch k {
	case Comment:
		return "comment"
	case Data:
		return "data"
	case EventType:
		return "event"
	case ID:
		return "id"
	case Retry:
		return "retry"
	}
	return "unknown"
}

// Line is one line of a block in the raw view.
type Line struct {
	Kind LineKind
	// Name is the field name as sent ("" for a comment).
	Name string
	// Value is the field's value with exactly one leading space removed; for
	// a comment, everything after the colon, as sent.
	Value string
	// HasColon reports whether the line had a colon (a field line without
	// one has an empty value).
	HasColon bool
	// Ignored is set for an id that holds NUL and a retry that is not all
	// ASCII digits: the spec ignores both.
	Ignored bool
	// Ending is how the line ended on the wire. A CR read at the very end of
	// what had arrived is reported as CR even when an LF follows later.
	Ending LineEnding
	// Start and End are input offsets; End includes the line end.
	Start, End int64
}

// Block is one block of the raw view: the lines before a blank line.
type Block struct {
	Lines []Line
	// Dispatched reports whether the block fired an event (it had at least
	// one data line); Event is that event.
	Dispatched bool
	Event      Event
	// Terminated is false for the final block of a stream that ended
	// without a blank line: it was discarded.
	Terminated bool
	// Ending is the line ending of the blank line that ended the block.
	Ending LineEnding
	// Start and End are input offsets, as for Event.
	Start, End int64
}

// DispatchOffset is the input offset of the first byte of the line end
// that dispatched the block, the moment a client fires its event: a chunk
// holding that byte completes the event. For an unterminated final block
// it is the offset of the block's last byte.
func (b Block) DispatchOffset() int64 {
	if !b.Terminated {
		return max(b.Start, b.End-1)
	}
	return b.End - int64(len(b.Ending.Bytes()))
}
