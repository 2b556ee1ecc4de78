package replayer

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// The hot path for many concurrent streams: after matching, the handler
// takes the connection over from net/http (Hijack) and returns, so that no
// goroutine, no bufio buffers and no timer are kept per stream. A few
// schedulers, one per CPU, each hold a heap of streams ordered by when their
// next write is due, and write the headers and each chunk (HTTP/1.1 chunked
// framing, one write per chunk) from one goroutine, without blocking: a
// write the socket cannot take at once is finished on a goroutine of its
// own. Streams that are due together are written together, so that many
// streams cost one wake-up of the scheduler per pass, not one per write.
// After a stream that ended cleanly the connection goes back to an HTTP
// server for the client's next request (keep-alive; see keepalive.go).

// writeSlack is how long a scheduler waits for one write, on a connection
// it cannot write to without blocking, before handing the rest of it to a
// goroutine of its own, so that a client that does not read never holds up
// the other streams.
const writeSlack = 20 * time.Millisecond

// passEvery is the shortest time between two passes of a busy scheduler:
// streams that fall due within it are written in one pass. Go's timers
// wake a sleeping program with about this granularity anyway.
const passEvery = time.Millisecond

// probeEvery is how often a stream waiting for its next write is checked
// for a client that went away.
const probeEvery = time.Second

// liveStream is a hijacked stream in a scheduler's heap.
type liveStream struct {
	conn   net.Conn
	fd     uintptr // the socket, written to without blocking; see hasFD
	hasFD  bool    // false: conn has no raw socket, writes wait up to writeSlack
	keep   *keeper // serves the client's next request after the stream; nil: close
	rest   []byte  // what the client sent after its request (pipelined)
	st     *Stream
	plan   *Plan
	start  time.Time
	header []byte
	next   int           // the next chunk to write; -1 while the headers are due
	due    time.Duration // when the scheduler next looks at the stream
	write  time.Duration // when the next write is due
	probe  bool          // due is a check for a departed client, not a write
	ending bool          // every chunk is written; the next step ends the stream
	events int
	bytes  int
}

// streamHeap orders streams by due time (a binary heap). The due time is
// kept beside the pointer, so that ordering touches only the heap's array.
type streamHeap []heapEntry

type heapEntry struct {
	due time.Duration
	ls  *liveStream
}

func (h *streamHeap) push(ls *liveStream) {
	e := heapEntry{ls.due, ls}
	*h = append(*h, e)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].due <= e.due {
			break
		}
		a[i] = a[p]
		i = p
	}
	a[i] = e
}

func (h *streamHeap) pop() *liveStream {
	a := *h
	top := a[0].ls
	last := a[len(a)-1]
	a[len(a)-1] = heapEntry{}
	a = a[:len(a)-1]
	*h = a
	if len(a) == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= len(a) {
			break
		}
		if c+1 < len(a) && a[c+1].due < a[c].due {
			c++
		}
		if last.due <= a[c].due {
			break
		}
		a[i] = a[c]
		i = c
	}
	a[i] = last
	return top
}

// scheduler writes the streams of one shard.
type scheduler struct {
	s     *Server
	epoch time.Time // due times count from here (monotonic)
	mu    sync.Mutex
	h     streamHeap
	wake  chan struct{}
	buf   []byte
	batch []*liveStream
	late  lateHist
}

// hijack takes the connection over and hands the stream to a scheduler. It
// returns false when the connection cannot be taken over (HTTP/2, HTTP/1.0,
// a ResponseWriter without Hijack) or should not be (HEAD, a status without a
// body); the caller then writes the stream itself.
func (s *Server) hijack(w http.ResponseWriter, r *http.Request, st *Stream, p *Plan, start time.Time, cache *headCache) bool {
	if r.ProtoMajor != 1 || r.ProtoMinor < 1 || r.Method == http.MethodHead || p.Status < 200 || p.Status == http.StatusNoContent || p.Status == http.StatusNotModified {
		return false
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	// The server may have left deadlines on the connection; writes here
	// never block, and the next request gets the server's own.
	_ = conn.SetDeadline(time.Time{})
	ls := &liveStream{conn: conn, st: st, plan: p, start: start, next: -1}
	if n := brw.Reader.Buffered(); n > 0 {
		rest, _ := brw.Reader.Peek(n)
		ls.rest = bytes.Clone(rest)
	}
	ls.fd, ls.hasFD = socketFD(conn)
	if !r.Close && len(p.Faults) == 0 && !p.Reset && p.EndDue < forever {
		ls.keep = s.keeper(r)
	}
	keep := ls.keep != nil
	build := func() []byte {
		h := w.Header()
		h.Set("Transfer-Encoding", "chunked")
		if !keep {
			h.Set("Connection", "close")
		}
		var head bytes.Buffer
		text := http.StatusText(p.Status)
		if text == "" {
			text = "status code " + strconv.Itoa(p.Status)
		}
		fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\n", p.Status, text)
		_ = h.Write(&head)
		head.WriteString("\r\n")
		return head.Bytes()
	}
	if cache != nil {
		ls.header = cache.get(keep, build)
	} else {
		ls.header = build()
	}
	sc := s.shard(st.ID)
	sc.schedule(ls, start.Add(p.HeadersDue).Sub(sc.epoch))
	return true
}

// schedulers returns the schedulers started so far.
func (s *Server) schedulers() []*scheduler {
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	return s.scheds
}

// headCache holds the response head of a shared plan, with and without
// Connection: close. The bytes are only ever read.
type headCache struct {
	once [2]sync.Once
	head [2][]byte
}

func (c *headCache) get(keep bool, build func() []byte) []byte {
	i := 0
	if keep {
		i = 1
	}
	c.once[i].Do(func() { c.head[i] = build() })
	return c.head[i]
}

// shard returns the scheduler for a stream, starting the schedulers on first
// use (a server that never streams starts no goroutine).
func (s *Server) shard(id uint64) *scheduler {
	s.schedOnce.Do(func() {
		// Under schedMu, so that Close's wg.Wait comes after these Adds.
		s.schedMu.Lock()
		defer s.schedMu.Unlock()
		n := runtime.GOMAXPROCS(0)
		epoch := time.Now()
		for range n {
			sc := &scheduler{s: s, epoch: epoch, wake: make(chan struct{}, 1)}
			s.scheds = append(s.scheds, sc)
			s.wg.Add(1)
			go sc.run()
		}
	})
	return s.scheds[id%uint64(len(s.scheds))]
}

func (sc *scheduler) add(ls *liveStream) {
	select {
	case <-sc.s.closed:
		sc.end(ls, errClosed)
		return
	default:
	}
	sc.mu.Lock()
	sc.h.push(ls)
	first := sc.h[0].ls == ls
	sc.mu.Unlock()
	if first {
		select {
		case sc.wake <- struct{}{}:
		default:
		}
	}
}

func (sc *scheduler) run() {
	defer sc.s.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-sc.s.closed:
			sc.shutdown()
			return
		default:
		}
		// One pass: every stream that is due, in the order they fell due.
		now := time.Since(sc.epoch)
		passStart := now
		sc.mu.Lock()
		for len(sc.h) > 0 && sc.h[0].due <= now {
			sc.batch = append(sc.batch, sc.h.pop())
		}
		streams := len(sc.h) + len(sc.batch)
		sc.mu.Unlock()
		if len(sc.batch) > 0 {
			sc.noteLag(passStart-sc.batch[0].due, streams) // popped earliest first
		}
		for i, ls := range sc.batch {
			sc.step(ls)
			sc.batch[i] = nil
		}
		busy := len(sc.batch) > 0
		sc.batch = sc.batch[:0]
		now = time.Since(sc.epoch)
		wait := time.Hour
		sc.mu.Lock()
		if len(sc.h) > 0 {
			wait = sc.h[0].due - now
		}
		sc.mu.Unlock()
		if busy {
			// Let more streams fall due before the next pass.
			wait = max(wait, passStart+passEvery-now)
		}
		if wait <= 0 {
			continue
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-sc.wake:
			timer.Stop()
		case <-sc.s.closed:
			sc.shutdown()
			return
		}
	}
}

// step makes the write that is due for a stream: its headers or its next
// chunk, the last one with the end of the body.
func (sc *scheduler) step(ls *liveStream) {
	if ls.probe {
		if clientGone(ls.conn) {
			sc.end(ls, errClientGone)
			return
		}
		sc.schedule(ls, ls.write)
		return
	}
	if ls.ending {
		sc.close(ls)
		return
	}
	chunks := ls.plan.Chunks
	sc.buf = sc.buf[:0]
	wroteHeader := false
	if ls.next < 0 {
		sc.buf = append(sc.buf, ls.header...)
		ls.header = nil
		ls.next = 0
		wroteHeader = true
	}
	// The first chunk goes with the headers when it is due with them
	// (headers are not body, so no chunk boundary moves).
	if ls.next < len(chunks) && (!wroteHeader || chunks[ls.next].Due <= ls.plan.HeadersDue) {
		c := chunks[ls.next]
		ls.next++
		if len(c.Data) > 0 {
			sc.buf = strconv.AppendInt(sc.buf, int64(len(c.Data)), 16)
			sc.buf = append(sc.buf, "\r\n"...)
			sc.buf = append(sc.buf, c.Data...)
			sc.buf = append(sc.buf, "\r\n"...)
		}
		ls.bytes += len(c.Data)
	}
	done := false
	if ls.next == len(chunks) {
		lastDue := ls.plan.HeadersDue
		if len(chunks) > 0 {
			lastDue = chunks[len(chunks)-1].Due
		}
		if !ls.plan.Reset && ls.plan.EndDue <= lastDue {
			sc.buf = append(sc.buf, "0\r\n\r\n"...)
			done = true
		} else {
			// The recording stayed open after its last chunk, or ended
			// with a reset: one more step, at the end's time.
			ls.ending = true
		}
	}
	msg := sc.buf
	sc.late.add(time.Since(sc.epoch) - ls.write)
	n, err := sc.write(ls, msg)
	if err != nil {
		sc.end(ls, errClientGone)
		return
	}
	if n < len(msg) {
		// A client that reads slowly: finish this write on a goroutine of
		// its own, then come back to the heap.
		rest := append([]byte(nil), msg[n:]...)
		sc.s.wg.Add(1)
		go func() {
			defer sc.s.wg.Done()
			_ = ls.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
			_, err := ls.conn.Write(rest)
			_ = ls.conn.SetWriteDeadline(time.Time{})
			if err != nil {
				sc.end(ls, errClientGone)
				return
			}
			sc.afterWrite(ls, done)
		}()
		return
	}
	sc.afterWrite(ls, done)
}

// write writes b as far as the connection takes it without waiting (or,
// on a connection without raw access, waiting up to writeSlack). n <
// len(b) with a nil error means the client is not reading fast enough.
func (sc *scheduler) write(ls *liveStream, b []byte) (int, error) {
	if !ls.hasFD {
		_ = ls.conn.SetWriteDeadline(time.Now().Add(writeSlack))
		n, err := ls.conn.Write(b)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = nil
		}
		return n, err
	}
	return writeAll(ls.fd, b)
}

// afterWrite reports the events a chunk completed and schedules the next
// write, or ends the stream.
func (sc *scheduler) afterWrite(ls *liveStream, done bool) {
	if ls.next > 0 {
		for _, e := range ls.plan.Chunks[ls.next-1].Events {
			ls.events++
			if sc.s.opts.Observer != nil {
				sc.s.opts.Observer.Event(ls.st, ls.events, e)
			}
		}
	}
	switch {
	case done:
		sc.end(ls, nil)
	case ls.ending:
		sc.schedule(ls, ls.start.Add(ls.plan.EndDue).Sub(sc.epoch))
	default:
		sc.schedule(ls, ls.start.Add(ls.plan.Chunks[ls.next].Due).Sub(sc.epoch))
	}
}

// close ends a stream at its end time: a TCP reset when the recording ended
// with one, else the end of the body.
func (sc *scheduler) close(ls *liveStream) {
	if ls.plan.Reset {
		if tc, ok := ls.conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		sc.end(ls, nil)
		return
	}
	if n, err := sc.write(ls, []byte("0\r\n\r\n")); err != nil || n < 5 {
		sc.end(ls, errClientGone)
		return
	}
	sc.end(ls, nil)
}

// schedule puts a stream back in the heap for its next write at write, or,
// when that is more than probeEvery away, for a check of its client first.
func (sc *scheduler) schedule(ls *liveStream, write time.Duration) {
	ls.write, ls.due, ls.probe = write, write, false
	if now := time.Since(sc.epoch); write-now > probeEvery {
		ls.due, ls.probe = now+probeEvery, true
	}
	sc.add(ls)
}

func (sc *scheduler) end(ls *liveStream, err error) {
	if err == nil && ls.keep != nil {
		ls.keep.serve(ls.conn, ls.rest)
	} else {
		_ = ls.conn.Close()
	}
	sc.s.finish(ls.st, ls.plan, err, ls.events, ls.bytes, ls.start)
}

// shutdown ends every stream of the shard cleanly: the end of the chunked
// body, then the connection closes.
func (sc *scheduler) shutdown() {
	sc.mu.Lock()
	streams := sc.h
	sc.h = nil
	sc.mu.Unlock()
	for _, e := range streams {
		ls := e.ls
		if ls.next >= 0 {
			_ = ls.conn.SetWriteDeadline(time.Now().Add(writeSlack))
			_, _ = ls.conn.Write([]byte("0\r\n\r\n"))
		}
		sc.end(ls, errClosed)
	}
}
