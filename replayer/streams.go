package replayer

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/replayer/internal/transport"
)

// Open streams, for the control API: listed, held, released and ended by
// id while they run.

type openStreams struct {
	mu sync.Mutex
	// slots holds the open streams, each at its own index (openStream.slot),
	// nil where a stream ended; free is the indexes to fill first, the last
	// freed first. A stream opens and ends with a write to one slot, which
	// is likely in cache, where a map keyed by id hashed and probed a
	// table of thousands each time. The control API's lookups by id scan
	// the slots: as many as streams were open at once at the most.
	slots  []*openStream
	free   []int
	change chan struct{} // closed and replaced when a stream opens, ends or is held
}

// openStream is one stream the server is sending: the transport's stream,
// what the control API lists of it, and what its end reports (send.go). It
// is its stream's transport.Hooks and its exchange's observe.Counter.
type openStream struct {
	id     uint64
	slot   int // its index in openStreams.slots while it is open, -1 after
	info   *observe.Stream
	stream transport.Stream

	s      *Server
	x      *observe.Exchange
	obs    watcher
	faults []sourced
	start  time.Time
}

func (os *openStreams) add(o *openStream) {
	os.mu.Lock()
	if n := len(os.free); n > 0 {
		o.slot = os.free[n-1]
		os.free = os.free[:n-1]
		os.slots[o.slot] = o
	} else {
		o.slot = len(os.slots)
		os.slots = append(os.slots, o)
	}
	os.notifyLocked()
	os.mu.Unlock()
}

func (os *openStreams) remove(o *openStream) {
	os.mu.Lock()
	if o.slot >= 0 { // -1: never added, or removed already
		os.slots[o.slot] = nil
		os.free = append(os.free, o.slot)
		o.slot = -1
		os.notifyLocked()
	}
	os.mu.Unlock()
}

// open lists the open streams, in no order.
func (os *openStreams) open() []*openStream {
	os.mu.Lock()
	defer os.mu.Unlock()
	open := make([]*openStream, 0, len(os.slots)-len(os.free))
	for _, o := range os.slots {
		if o != nil {
			open = append(open, o)
		}
	}
	return open
}

// byID finds an open stream; nil when none has that id.
func (os *openStreams) byID(id uint64) *openStream {
	os.mu.Lock()
	defer os.mu.Unlock()
	for _, o := range os.slots {
		if o != nil && o.id == id {
			return o
		}
	}
	return nil
}

// notify tells the long polls that something changed (a stream was held).
func (os *openStreams) notify() {
	os.mu.Lock()
	os.notifyLocked()
	os.mu.Unlock()
}

func (os *openStreams) notifyLocked() {
	if os.change != nil {
		close(os.change)
		os.change = nil
	}
}

// changed returns a channel closed at the next change (for long polls).
func (os *openStreams) changed() <-chan struct{} {
	os.mu.Lock()
	defer os.mu.Unlock()
	if os.change == nil {
		os.change = make(chan struct{})
	}
	return os.change
}

// StreamInfo describes an open stream.
type StreamInfo struct {
	ID          string
	Session     string
	Method      string
	Path        string
	Interaction string
	EventsSent  int
	EventsTotal int
	Held        bool
	// NextType is the type of the next event not yet fully sent; HasNext
	// false when none is left.
	NextType string
	HasNext  bool
}

// Streams lists the open streams, oldest first.
func (s *Server) Streams() []StreamInfo {
	open := s.streams.open()
	slices.SortFunc(open, func(a, b *openStream) int { return int(a.id) - int(b.id) })
	out := make([]StreamInfo, len(open))
	for i, o := range open {
		st := o.stream.State()
		out[i] = StreamInfo{ID: strconv.FormatUint(o.id, 10), Session: o.info.Session, Method: o.info.Method, Path: o.info.Path,
			Interaction: o.info.Interaction, EventsSent: st.EventsSent, EventsTotal: st.EventsTotal, Held: st.Held,
			NextType: st.NextType, HasNext: st.HasNext}
	}
	return out
}

// StreamsChanged returns a channel that is closed when a stream next opens,
// ends or is held: a long poll waits on it, then lists again.
func (s *Server) StreamsChanged() <-chan struct{} { return s.streams.changed() }

// ErrNoStream is returned for a stream id that names no open stream.
var ErrNoStream = errors.New("no open stream with that id")

// ErrNotHeld is returned by Release for a stream that is not held.
var ErrNotHeld = transport.ErrNotHeld

// Release says how a held stream goes on.
type Release struct {
	// All ignores every later hold point.
	All bool
	// Events, when > 0, sends that many more events and holds again.
	Events int
	// Until, when set, sends up to (not including) the next event after the
	// held one that it matches, and holds again.
	Until *fault.Selector
	// Speed divides the recorded gaps of what is released instead of
	// --speed; Max sends it at once.
	Speed float64
	Max   bool
}

// ReleaseStream lets a held stream go on.
func (s *Server) ReleaseStream(id string, r Release) error {
	o, err := s.stream(id)
	if err != nil {
		return err
	}
	return endedIsGone(o.stream.Release(transport.Release(r)))
}

// endedIsGone reports a stream that ended while it was looked up as no
// open stream.
func endedIsGone(err error) error {
	if errors.Is(err, transport.ErrEnded) {
		return ErrNoStream
	}
	return err
}

// EndStream ends an open stream now: cleanly, or with a TCP reset.
func (s *Server) EndStream(id string, reset bool) error {
	o, err := s.stream(id)
	if err != nil {
		return err
	}
	return endedIsGone(o.stream.EndNow(reset))
}

func (s *Server) stream(id string) (*openStream, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return nil, ErrNoStream
	}
	o := s.streams.byID(n)
	if o == nil {
		return nil, ErrNoStream
	}
	return o, nil
}
