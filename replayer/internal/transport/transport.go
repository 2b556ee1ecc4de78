// Package transport writes replayed responses to their connections: the
// hot path of the replay server. A stream over HTTP/1.1 is taken over from
// net/http (Hijack) and written by one of a few shared schedulers, without a
// goroutine, bufio buffers or a timer per stream; any other response (HTTP/2,
// HTTP/1.0, HEAD, a status without a body) is written by the handler's own
// goroutine through the ResponseWriter. After a stream that ended cleanly
// the connection is kept alive for the client's next request.
//
// Both writers move a stream's cursor (cursor.go), which is also how a
// stream is held at a pause point and released, or ended early.
//
// It knows nothing of cassettes or matching: the replayer hands it a
// planned response (fault.Plan) and callbacks.
package transport

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/sse"
)

// Errors that say why a stream stopped early.
var (
	ErrClientGone = errors.New("the client went away")
	ErrClosed     = errors.New("the server was shut down")
	// ErrEndedByControl and ErrResetByControl: the control API ended the
	// stream (cleanly, or with a reset).
	ErrEndedByControl = errors.New("ended by the control API")
	ErrResetByControl = errors.New("reset by the control API")
)

// Transport writes streams for one replay server. Create it with New; it
// starts its schedulers on the first stream.
type Transport struct {
	log    *slog.Logger
	closed chan struct{}
	once   sync.Once

	// schedMu guards scheds and stopped: the schedulers start on the first
	// stream, and never after Close, so that every wg.Add of a scheduler
	// comes before Close's wg.Wait.
	schedMu sync.Mutex
	scheds  []*scheduler
	stopped bool
	wg      sync.WaitGroup // the schedulers, their slow writers, parked waiters

	warnedBehind atomic.Int64 // when a scheduler last warned it was behind, Unix ns
	ringOnce     sync.Once    // the log line that says there is no send ring

	keep   keepers
	parked parkedSet
}

// New returns a transport that logs to log.
func New(log *slog.Logger) *Transport {
	t := &Transport{log: log, closed: make(chan struct{})}
	t.keep.t = t
	return t
}

// Hooks hears of a stream's progress. Its methods are called on the
// stream's writer, a shared scheduler on the hijacked path, so they must be
// quick. It is an interface rather than three funcs so that the one object
// a server keeps for a stream can be its hooks too: a func that knows its
// stream is an allocation of its own, three more for every request.
type Hooks interface {
	// Held is called each time the stream stops at a hold point.
	Held()
	// Ending is called once on a stream taken over from net/http that was
	// sent to its end, just before the write (or the reset) that ends it,
	// so that what the server lists as open no longer has it when its
	// client sees the end; End follows, after the write.
	Ending()
	// End is called once, when the stream has ended (err nil: sent to the
	// end), with what was written of it.
	End(err error, events, bytes int)
}

// Stream is one response to write.
type Stream struct {
	Plan  *fault.Plan
	Start time.Time // when the request arrived: due times count from here
	// Head, when set, caches the response head of a plan shared by many
	// requests; it is used only when the request added no header.
	Head *HeadCache
	// Faulted says faults changed the plan: the connection closes after the
	// stream rather than serve another request.
	Faulted bool
	// Speed is the server's speed factor (1 as recorded, 0 for max), for a
	// release that asks for another speed.
	Speed float64
	// Event, when set, is called after each event is written, numbered
	// from 1. Like Hooks, on the hijacked path it runs on a shared
	// scheduler, so it must be quick: a slow observer holds up every stream
	// of that scheduler.
	Event func(n int, e sse.Event)
	// Hooks, when set, hears of the stream's holds and its end.
	Hooks Hooks

	cur *cursor
	// The live stream (once taken over) and the cursor are allocated with
	// the Stream, in that order: the fields of each that every write uses
	// are at the end of the live stream and the start of the cursor, so
	// that they share three or four cache lines (warm.go).
	live liveStream
	curv cursor
}

// hotFrom and hotTo bound, from a live stream's start, the fields every
// write uses: the live stream's from s on, and the cursor's up to own.
// TestAWritesFieldsAreTogether holds the fields to them.
const (
	hotFrom = unsafe.Offsetof(liveStream{}.s)
	hotTo   = unsafe.Offsetof(Stream{}.curv) - unsafe.Offsetof(Stream{}.live) + unsafe.Offsetof(cursor{}.own)
)

// State reports where an open stream is.
func (s *Stream) State() State { return s.cursor().state() }

// Release lets a held stream go on; ErrNotHeld when it is not held.
func (s *Stream) Release(r Release) error {
	c := s.cursor()
	if err := c.release(r, time.Since(s.Start)); err != nil {
		return err
	}
	c.mu.Lock()
	kick := c.kick
	c.mu.Unlock()
	if kick != nil {
		kick.kick()
	}
	return nil
}

// EndNow ends an open stream: cleanly (the end of the body), or with a TCP
// reset.
func (s *Stream) EndNow(reset bool) error {
	how := endClose
	if reset {
		how = endReset
	}
	return s.cursor().requestEnd(how)
}

func (s *Stream) cursor() *cursor {
	if s.cur == nil {
		s.curv.init(s.Plan, s.Speed)
		s.cur = &s.curv
	}
	return s.cur
}

// Prepare makes the stream's cursor before it is sent, so that the control
// API can see and hold it from the start.
func (s *Stream) Prepare() { s.cursor() }

// HeadCache holds the response head of a shared plan, with and without
// Connection: close. The bytes are only ever read.
type HeadCache struct {
	once [2]sync.Once
	head [2][]byte
}

func (c *HeadCache) get(keep bool, build func() []byte) []byte {
	i := 0
	if keep {
		i = 1
	}
	c.once[i].Do(func() { c.head[i] = build() })
	return c.head[i]
}

// Send writes s as the answer to r: taken over from net/http when it can
// be, else through w. It returns when the stream was handed to a scheduler,
// or, on the ordinary path, when it has ended.
func (t *Transport) Send(w http.ResponseWriter, r *http.Request, s *Stream) {
	s.Prepare()
	cache := s.Head
	if len(w.Header()) > 0 {
		cache = nil
	}
	select {
	case <-t.closed:
		s.finish(ErrClosed)
		return
	default:
	}
	// A stream whose head is cached needs the plan's header only to build
	// the head the first time: it is put in the ResponseWriter's header
	// then, and before any other answer.
	if s.Plan.Stream && t.hijack(w, r, s, cache) {
		return
	}
	setHeader(w, s.Plan)
	t.writeHTTP(w, r, s)
}

// setHeader puts the plan's header in the ResponseWriter's.
func setHeader(w http.ResponseWriter, p *fault.Plan) {
	h := w.Header()
	for k, v := range p.Header {
		h[k] = v
	}
	if p.NoContentType {
		h["Content-Type"] = nil // and no sniffing
	}
}

// finish marks the stream ended and calls End once.
func (s *Stream) finish(err error) {
	c := s.cursor()
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended, c.held, c.kick = true, false, nil
	events, bytes := c.events, c.bytes
	c.mu.Unlock()
	if s.Hooks != nil {
		s.Hooks.End(err, events, bytes)
	}
}

// Close ends every stream being sent (cleanly: the end of the body, then
// the connection closes), held ones included, and closes the connections
// kept alive after their streams (idle ones at once, those serving a request
// within 200 ms). It returns when the streams it took over have ended.
func (t *Transport) Close() {
	t.once.Do(func() { close(t.closed) })
	t.schedMu.Lock()
	t.stopped = true
	t.schedMu.Unlock()
	t.wakeParked()
	t.wg.Wait()
	t.keep.close()
}

// Closed is closed when Close is called.
func (t *Transport) Closed() <-chan struct{} { return t.closed }
