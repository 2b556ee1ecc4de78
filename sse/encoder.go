package sse

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Message is one block to encode. Fields are written in the order sse-starlette
// uses: comment lines, id, event, data lines, retry, then the blank line.
type Message struct {
	// Comment, when not empty, is written as one ": " line per line of text.
	Comment string
	// ID is written when HasID is set; an empty ID resets the client's last
	// event ID.
	ID    string
	HasID bool
	// Event is the event type; "" writes no event line.
	Event string
	// Data is written when HasData is set, one data line per line (CR, LF
	// and CRLF inside it all become line breaks, read back as LF). A block
	// without data dispatches nothing.
	Data    string
	HasData bool
	// Retry is written when HasRetry is set, in whole milliseconds.
	Retry    time.Duration
	HasRetry bool
}

// NewEvent returns the message for an event of type typ (may be "") with data.
func NewEvent(typ, data string) Message {
	return Message{Event: typ, Data: data, HasData: true}
}

// Errors of the encoder. They wrap into the error returned, with the value
// that was refused.
var (
	ErrLineBreak = errors.New("sse: CR or LF in a field that must be one line")
	ErrNUL       = errors.New("sse: NUL in an id (clients would ignore the field)")
	ErrRetry     = errors.New("sse: negative retry")
)

// AppendMessage appends m, encoded with line ending eol, to dst. It refuses
// what a spec parser would read back differently: CR or LF in the id or the
// event type, NUL in the id, a negative retry.
func AppendMessage(dst []byte, m Message, eol LineEnding) ([]byte, error) {
	nl := eol.Bytes()
	if nl == "" {
		return dst, fmt.Errorf("sse: no line ending chosen")
	}
	if strings.ContainsAny(m.ID, "\r\n") {
		return dst, fmt.Errorf("%w: id %q", ErrLineBreak, m.ID)
	}
	if strings.IndexByte(m.ID, 0) >= 0 {
		return dst, fmt.Errorf("%w: %q", ErrNUL, m.ID)
	}
	if strings.ContainsAny(m.Event, "\r\n") {
		return dst, fmt.Errorf("%w: event %q", ErrLineBreak, m.Event)
	}
	if m.HasRetry && m.Retry < 0 {
		return dst, fmt.Errorf("%w: %v", ErrRetry, m.Retry)
	}
	if m.Comment != "" {
		dst = appendLines(dst, ":", m.Comment, nl)
	}
	if m.HasID {
		dst = appendField(dst, "id", m.ID, nl)
	}
	if m.Event != "" {
		dst = appendField(dst, "event", m.Event, nl)
	}
	if m.HasData {
		dst = appendLines(dst, "data", m.Data, nl)
	}
	if m.HasRetry {
		dst = append(dst, "retry: "...)
		dst = strconv.AppendInt(dst, int64(m.Retry/time.Millisecond), 10)
		dst = append(dst, nl...)
	}
	return append(dst, nl...), nil
}

// appendField writes "name: value" (or "name:" for an empty value; the space
// is always written before a non-empty value, so a value that starts with a
// space keeps it).
func appendField(dst []byte, name, value, nl string) []byte {
	dst = append(dst, name...)
	if name != ":" {
		dst = append(dst, ':')
	}
	if value != "" {
		dst = append(dst, ' ')
		dst = append(dst, value...)
	}
	return append(dst, nl...)
}

// appendLines writes one field line per line of text, splitting at CR, LF
// and CRLF.
func appendLines(dst []byte, name, text, nl string) []byte {
	for {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			return appendField(dst, name, text, nl)
		}
		dst = appendField(dst, name, text[:i], nl)
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
}

// Encoder writes messages to an io.Writer, one Write per message.
type Encoder struct {
	w   io.Writer
	eol LineEnding
	buf []byte
}

// NewEncoder returns an encoder that writes to w with line ending eol (LF
// when eol is NoLineEnding).
func NewEncoder(w io.Writer, eol LineEnding) *Encoder {
	if eol == NoLineEnding {
		eol = LF
	}
	return &Encoder{w: w, eol: eol}
}

// Encode writes one message.
func (e *Encoder) Encode(m Message) error {
	b, err := AppendMessage(e.buf[:0], m, e.eol)
	if err != nil {
		return err
	}
	e.buf = b
	_, err = e.w.Write(b)
	return err
}

// Event writes an event of type typ (may be "") with data.
func (e *Encoder) Event(typ, data string) error { return e.Encode(NewEvent(typ, data)) }

// Comment writes a comment block (a keep-alive).
func (e *Encoder) Comment(text string) error { return e.Encode(Message{Comment: text}) }

// Retry writes a retry block.
func (e *Encoder) Retry(d time.Duration) error { return e.Encode(Message{Retry: d, HasRetry: true}) }
