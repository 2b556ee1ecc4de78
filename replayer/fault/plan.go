package fault

import (
	"net/http"
	"time"

	"github.com/ssetape/ssetape/sse"
)

// Forever is the EndDue of a stream that never ends by itself.
const Forever = time.Duration(1 << 62)

// Pause says whether the transport waits before writing a chunk.
type Pause uint8

// The pause points a plan can carry.
const (
	NoPause Pause = iota
	// Hold waits until the control API releases (or ends) the stream.
	Hold
	// Stall waits forever: a stall without for. Only ending the stream (the
	// client leaving, the server closing, the control API's end) stops it.
	Stall
)

// Chunk is one write of a planned response: its bytes, when it is due (from
// the moment the request arrived), the events it completes in order, and
// whether the transport pauses before it.
type Chunk struct {
	Due    time.Duration
	Data   []byte
	Events []sse.Event
	// Pause, when set, makes the transport wait before this chunk. A pause
	// is a barrier: no fault moves bytes across it.
	Pause Pause
}

// Plan is everything that will be sent for one request. The replayer builds
// it from the matched interaction and paces it, faults change it, and only
// then is it written.
type Plan struct {
	Status int
	// Header is the response header (the recorded one, less what the
	// server sets itself, plus what streaming needs).
	Header http.Header
	// NoContentType sends no Content-Type at all (a fault's doing).
	NoContentType bool
	HeadersDue    time.Duration
	// HoldHeaders holds the response before its status line (hold:headers).
	HoldHeaders bool
	Stream      bool
	Chunks      []Chunk // for a stream
	Body        []byte  // for a response that is not a stream
	// EndDue is when the stream ends, after its last chunk: a recording
	// that stayed open after its last event is replayed open as long.
	EndDue time.Duration
	// Reset ends the stream with a TCP reset instead of the end of the
	// body, as a recording that ended with a reset did.
	Reset bool
}

// Size returns the number of body bytes a stream's chunks hold.
func (p *Plan) Size() int64 {
	var n int64
	for _, c := range p.Chunks {
		n += int64(len(c.Data))
	}
	return n
}

// Events returns the number of events the chunks complete.
func (p *Plan) Events() int {
	n := 0
	for _, c := range p.Chunks {
		n += len(c.Events)
	}
	return n
}

// StallsForever reports whether the plan stops at a pause no one releases:
// a stall without for.
func (p *Plan) StallsForever() bool {
	for _, c := range p.Chunks {
		if c.Pause == Stall {
			return true
		}
	}
	return false
}

// Holds reports whether the plan holds anywhere (hold:headers included).
func (p *Plan) Holds() bool {
	if p.HoldHeaders {
		return true
	}
	for _, c := range p.Chunks {
		if c.Pause == Hold {
			return true
		}
	}
	return false
}

// JoinBody returns the body of a list of chunks.
func JoinBody(chunks []Chunk) []byte {
	n := 0
	for _, c := range chunks {
		n += len(c.Data)
	}
	b := make([]byte, 0, n)
	for _, c := range chunks {
		b = append(b, c.Data...)
	}
	return b
}
