package transport

import (
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/sse"
)

// The cursor is where a stream is in its plan: the next chunk to write, what
// was sent, whether it is held at a pause point. Both writers (the
// scheduler for streams taken over from net/http, the handler goroutine for
// the others) move it forward; the control API holds, releases and ends the
// stream through it. Its mutex guards all of it.

// ErrNotHeld is returned by Release for a stream that is not held.
var ErrNotHeld = errors.New("the stream is not held")

// ErrEnded is returned for a stream that has ended.
var ErrEnded = errors.New("the stream has ended")

// endHow is how the control API asked a stream to end.
type endHow uint8

const (
	endNone endHow = iota
	endClose
	endReset
	endGone // its client left while it was parked
)

// kicker is a stream's writer, as a cursor wakes it: the scheduler's live
// stream, or the handler's goroutine on the ordinary path.
type kicker interface{ kick() }

type cursor struct {
	// mu guards every field. Those every write reads or changes come
	// first, right after the live stream's (see Stream.curv).
	mu sync.Mutex
	// chunks are the plan's (shared, never changed) until a release needs
	// to change due times or cut a chunk: then a copy of the stream's own.
	chunks []fault.Chunk
	next   int // the next chunk to write; -1 while the headers are due
	off    int64
	// lastDue is the due time of the last thing written (0 before anything).
	lastDue time.Duration
	endDue  time.Duration
	events  int
	bytes   int
	// passed is set when the pause before chunks[next] (or before the
	// headers) was released.
	passed bool
	endReq endHow

	// The headers, the holds and releases.
	own        bool
	holdHead   bool // held before the status line
	held       bool
	ended      bool
	headersDue time.Duration
	total      int // events planned up to a stall without for
	// speed is the server's own speed factor (1 as recorded, 0 max), for a
	// release that asks for another.
	speed float64
	// kick makes the writer look at the stream now (set by the writer).
	kick kicker
}

// nextDue is when the next thing is due: the headers, the next chunk, or
// the end. The caller holds c.mu.
func (c *cursor) nextDue() time.Duration {
	switch {
	case c.next < 0:
		return c.headersDue
	case c.next < len(c.chunks):
		return c.chunks[c.next].Due
	default:
		return c.endDue
	}
}

// init sets a zero cursor at the start of plan p.
func (c *cursor) init(p *fault.Plan, speed float64) {
	c.chunks, c.headersDue, c.endDue, c.holdHead, c.next, c.speed = p.Chunks, p.HeadersDue, p.EndDue, p.HoldHeaders, -1, speed
	for _, ch := range p.Chunks {
		if ch.Pause == fault.Stall {
			break
		}
		c.total += len(ch.Events)
	}
}

// State is what the control API shows of an open stream.
type State struct {
	Held        bool
	EventsSent  int
	EventsTotal int
	// NextType is the type (event name, or message) of the next event not
	// yet fully sent; "" when none is left.
	NextType string
	HasNext  bool
}

func (c *cursor) state() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := State{Held: c.held, EventsSent: c.events, EventsTotal: c.total}
	if e, ok := c.pendingEvent(); ok {
		st.NextType, st.HasNext = sse.TypeName(e.Type), true
	}
	return st
}

// pendingEvent is the next event not yet fully sent.
func (c *cursor) pendingEvent() (sse.Event, bool) {
	for i := max(c.next, 0); i < len(c.chunks); i++ {
		if c.chunks[i].Pause == fault.Stall {
			break
		}
		if len(c.chunks[i].Events) > 0 {
			return c.chunks[i].Events[0], true
		}
	}
	return sse.Event{}, false
}

// pauseAhead reports whether the writer must stop before the next thing it
// would write: the headers of a hold:headers plan, or a chunk with a pause
// that was not released.
func (c *cursor) pauseAhead() fault.Pause {
	if c.passed {
		return fault.NoPause
	}
	if c.next < 0 {
		if c.holdHead {
			return fault.Hold
		}
		return fault.NoPause
	}
	if c.next < len(c.chunks) {
		return c.chunks[c.next].Pause
	}
	return fault.NoPause
}

// Release says how a held stream goes on.
type Release struct {
	// All ignores every later hold point.
	All bool
	// Events, when > 0, sends that many more events and holds again.
	Events int
	// Until, when set, sends up to (not including) the next event after the
	// held one that it matches, and holds again; the rest when none does.
	Until *fault.Selector
	// Speed, when set, divides the recorded gaps of what this release sends
	// instead of the server's speed; Max sends it at once.
	Speed float64
	Max   bool
}

// release lets a held stream go on at now (from the stream's start): what
// follows keeps its gaps counted from now, the rest of the plan shifts by
// the time held.
func (c *cursor) release(r Release, now time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.ended:
		return ErrEnded
	case !c.held:
		return ErrNotHeld
	}
	c.ownChunks()
	from := max(c.next, 0)
	if r.All {
		for i := from; i < len(c.chunks); i++ {
			if c.chunks[i].Pause == fault.Hold {
				c.chunks[i].Pause = fault.NoPause
			}
		}
	}
	switch {
	case r.Events > 0:
		if off, ok := c.afterEvents(r.Events); ok {
			c.holdAt(off)
		}
	case r.Until != nil:
		if off, ok := c.beforeMatch(*r.Until); ok {
			c.holdAt(off)
		}
	}
	// The released range: up to the next pause point (after the headers,
	// for a stream held before them).
	end, start := len(c.chunks), from+1
	if c.next < 0 {
		start = 0
	}
	for i := start; i < len(c.chunks); i++ {
		if c.chunks[i].Pause != fault.NoPause {
			end = i
			break
		}
	}
	scale := 1.0
	switch {
	case r.Max:
		scale = 0
	case r.Speed > 0 && c.speed > 0:
		scale = c.speed / r.Speed
	case r.Speed > 0:
		scale = 0 // the server sends at --speed max: the gaps are gone
	}
	prev := c.lastDue
	retime := func(d time.Duration) time.Duration {
		return now + time.Duration(float64(max(0, d-prev))*scale)
	}
	var delta time.Duration
	if c.next < 0 {
		h := retime(c.headersDue)
		delta = h - c.headersDue
		c.headersDue = h
	}
	for i := from; i < len(c.chunks); i++ {
		if i < end {
			nd := retime(c.chunks[i].Due)
			delta = nd - c.chunks[i].Due
			c.chunks[i].Due = nd
			continue
		}
		c.chunks[i].Due += delta
	}
	if c.endDue != fault.Forever {
		if end == len(c.chunks) {
			c.endDue = retime(c.endDue)
		} else {
			c.endDue += delta
		}
	}
	c.passed, c.held = true, false
	return nil
}

// ownChunks makes the chunks the stream's own before they change.
func (c *cursor) ownChunks() {
	if !c.own {
		c.chunks, c.own = slices.Clone(c.chunks), true
	}
}

// afterEvents is the body offset just after the k-th event still to send
// (its dispatching blank line included).
func (c *cursor) afterEvents(k int) (int64, bool) {
	n := 0
	for i := max(c.next, 0); i < len(c.chunks); i++ {
		for _, e := range c.chunks[i].Events {
			if n++; n == k {
				return e.End, true
			}
		}
	}
	return 0, false
}

// beforeMatch is the body offset of the block of the first event after the
// next one to send that sel matches.
func (c *cursor) beforeMatch(sel fault.Selector) (int64, bool) {
	first := true
	for i := max(c.next, 0); i < len(c.chunks); i++ {
		for _, e := range c.chunks[i].Events {
			if first {
				first = false
				continue
			}
			if sel.Matches(e) {
				return e.Start, true
			}
		}
	}
	return 0, false
}

// holdAt puts a hold point at a body offset at or after the next chunk,
// cutting the chunk that holds it (the chunks are the stream's own).
func (c *cursor) holdAt(off int64) {
	pos := c.off
	for i := max(c.next, 0); i < len(c.chunks); i++ {
		ch := c.chunks[i]
		n := int64(len(ch.Data))
		switch {
		case off <= pos:
			c.chunks[i].Pause = max(c.chunks[i].Pause, fault.Hold)
			return
		case off < pos+n:
			k := off - pos
			first := fault.Chunk{Due: ch.Due, Data: ch.Data[:k:k], Pause: ch.Pause}
			second := fault.Chunk{Due: ch.Due, Data: ch.Data[k:], Pause: fault.Hold}
			for _, e := range ch.Events {
				if e.End <= off {
					first.Events = append(first.Events, e)
				} else {
					second.Events = append(second.Events, e)
				}
			}
			c.chunks = slices.Insert(c.chunks, i+1, second)
			c.chunks[i] = first
			return
		}
		pos += n
	}
	last := c.lastDue
	if n := len(c.chunks); n > 0 {
		last = c.chunks[n-1].Due
	}
	c.chunks = append(c.chunks, fault.Chunk{Due: last, Pause: fault.Hold})
}

// requestEnd asks for the stream to end now; the writer does it.
func (c *cursor) requestEnd(how endHow) error {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return ErrEnded
	}
	if c.endReq == endNone {
		c.endReq = how
	}
	c.held = false
	kick := c.kick
	c.mu.Unlock()
	if kick != nil {
		kick.kick()
	}
	return nil
}
