package transport

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/ssetape/ssetape/internal/httpfront"
	"github.com/ssetape/ssetape/replayer/fault"
)

// writeSlack is how long a scheduler waits for one write, on a connection
// it cannot write to without blocking, before handing the rest of it to a
// goroutine of its own, so that a client that does not read never holds up
// the other streams.
const writeSlack = 20 * time.Millisecond

// coalesceWithin is how close after the response head the first chunk, or
// after the last chunk the end of the body, must be due to go in the same
// write (made at the later one's time, so never early). A recording of a
// server that writes its head and first event, or its last event and the
// end, back to back shows them tens of microseconds apart: that gap is the
// server's write path, not pacing. Written apart, the second write would
// wait for the scheduler's next pass (passEvery, 1 ms, later: later than
// recorded by far more than the gap) and cost a system call of its own,
// which for a recorded stream of 20 events was 10 % more writes than the
// floor server's. Recorded chunks are never joined: only the head and the
// end, which are HTTP's framing, move.
const coalesceWithin = 250 * time.Microsecond

// where a hijacked stream is; guarded by its cursor's mutex.
type where uint8

const (
	queued   where = iota // waiting in its scheduler's wheel
	stepping              // being written by its scheduler
	writing               // a slow writer finishes a write
	parked                // held or stalled at a pause point, outside the wheel
	finished
)

// liveStream is a stream taken over from net/http.
type liveStream struct {
	// What the ends of the stream and its slow paths use.
	conn   net.Conn
	keep   httpfront.Keeper // serves the client's next request after the stream; nil: close
	rest   []byte           // what the client sent after its request (pipelined)
	header []byte           // the response head, until the first write sends it
	parks  uint64           // how many times it was parked: its waiter's generation (cur.mu)

	// What every write reads or changes, together and next to the
	// cursor's own (see Stream.curv), so that a write touches three or four
	// of the stream's six cache lines rather than all of them, and warm.go
	// fetches only those.
	s   *Stream
	cur *cursor
	sc  *scheduler
	fd  uintptr // the socket, written to without blocking; see hasFD
	// start is s.Start on the scheduler's clock: a plan's due time plus
	// start is when it is due there. Kept here, as reset is, so that a
	// write reads only the stream's own few cache lines, not the Plan's.
	start time.Duration
	// Guarded by cur.mu.
	gen    uint64        // the generation of its wheel entry
	due    time.Duration // when its next write is due, from the scheduler's epoch
	where  where
	probe  bool // the entry is a check for a departed client, not a write
	ending bool // every chunk is written; the next step ends the stream
	// Set once, when the stream is taken over.
	hasFD bool // false: conn has no raw socket, writes wait up to writeSlack
	reset bool // the plan ends with a TCP reset (s.Plan.Reset)
	event bool // s.Event is set
}

// hijack takes the connection over and hands the stream to a scheduler. It
// returns false when the connection cannot be taken over (HTTP/2, HTTP/1.0,
// a ResponseWriter without Hijack) or should not be (HEAD, a status without
// a body); the caller then writes the stream itself.
func (t *Transport) hijack(w http.ResponseWriter, r *http.Request, s *Stream, cache *HeadCache) bool {
	p := s.Plan
	if r.ProtoMajor != 1 || r.ProtoMinor < 1 || r.Method == http.MethodHead || p.Status < 200 || p.Status == http.StatusNoContent || p.Status == http.StatusNotModified {
		return false
	}
	sc := t.shard(uint64(s.Start.UnixNano()))
	if sc == nil {
		return false // closing: the ordinary path answers
	}
	conn, rest, err := takeOver(w)
	if err != nil {
		return false
	}
	ls := &s.live
	*ls = liveStream{s: s, cur: s.cur, sc: sc, conn: conn, rest: rest, reset: p.Reset, event: s.Event != nil, start: s.Start.Sub(sc.epoch)}
	ls.fd, ls.hasFD = socketFDOf(w, conn)
	if !r.Close && !s.Faulted && keepAlive(p) {
		ls.keep = t.keep.forRequest(r)
	}
	keep := ls.keep != nil
	build := func() []byte {
		setHeader(w, p)
		h := w.Header()
		h.Set("Transfer-Encoding", "chunked")
		if !keep {
			h.Set("Connection", "close")
		}
		var head bytes.Buffer
		head.WriteString(httpfront.StatusLine(p.Status))
		_ = h.Write(&head)
		head.WriteString("\r\n")
		return head.Bytes()
	}
	if cache != nil {
		ls.header = cache.get(keep, build)
	} else {
		ls.header = build()
	}
	ls.cur.mu.Lock()
	ls.cur.kick = ls
	ls.where = stepping
	ls.cur.mu.Unlock()
	ls.schedule(ls.start + p.HeadersDue)
	return true
}

// socketFDOf returns the socket under conn, hijacked from w: from w when
// it knows it (httpfront's writer finds it once a connection), else from
// conn.
func socketFDOf(w http.ResponseWriter, conn net.Conn) (uintptr, bool) {
	if k, ok := w.(interface{ SocketFD() (uintptr, bool) }); ok {
		if fd, ok := k.SocketFD(); ok {
			return fd, true
		}
	}
	return socketFD(conn)
}

// restHijacker is a ResponseWriter that hands its connection over without
// net/http's buffers and without a deadline (httpfront's): rest is what the
// client sent after the request.
type restHijacker interface {
	HijackRest() (c net.Conn, rest []byte, err error)
}

// takeOver hijacks the connection under w, with a copy of what the client
// sent after the request, and without a deadline: writes here never block,
// and the next request gets the server's own. The front's comes that way
// (a deadline op is a lock and a timer change in the poller, per request).
func takeOver(w http.ResponseWriter) (net.Conn, []byte, error) {
	if h, ok := w.(restHijacker); ok {
		return h.HijackRest()
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// net/http may have left its deadlines on the connection.
	_ = conn.SetDeadline(time.Time{})
	var rest []byte
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		rest = bytes.Clone(b)
	}
	return conn, rest, nil
}

// keepAlive reports whether a plan's connection may serve another request
// after it: a stream that ends cleanly, at its own time, without faults.
func keepAlive(p *fault.Plan) bool {
	return !p.Reset && p.EndDue < fault.Forever && !p.Holds() && !p.StallsForever()
}

// take claims the stream for the scheduler that popped an entry for it,
// false when the entry is stale.
func (ls *liveStream) take(gen uint64) bool {
	if !ls.takeLocked(gen) {
		return false
	}
	ls.cur.mu.Unlock()
	return true
}

// takeLocked is take for step: when it claims the stream, it returns with
// the cursor's lock still held, so that a write takes the lock once.
func (ls *liveStream) takeLocked(gen uint64) bool {
	ls.cur.mu.Lock()
	if ls.where != queued || ls.gen != gen {
		ls.cur.mu.Unlock()
		return false
	}
	ls.where = stepping
	return true
}

// schedule puts the stream (owned by the caller) back in its scheduler's
// wheel for its next write at due, or, when that is more than probeEvery
// away, for a check of its client first; at once when it was asked to end.
func (ls *liveStream) schedule(due time.Duration) {
	ls.cur.mu.Lock()
	ls.requeue(due, time.Since(ls.sc.epoch))
}

// requeue is schedule for a caller that holds the cursor's lock, which it
// releases, and has just read the scheduler's clock (now).
func (ls *liveStream) requeue(due, now time.Duration) {
	e := ls.queued(due, now)
	ls.cur.mu.Unlock()
	if !ls.sc.push(e) {
		ls.reclaim()
		ls.closeNow(ErrClosed)
	}
}

// requeueInPass is requeue for the scheduler's own pass: the entry goes in
// with the pass's others when it ends (flushPass).
func (ls *liveStream) requeueInPass(due, now time.Duration) {
	e := ls.queued(due, now)
	ls.cur.mu.Unlock()
	ls.sc.pending = append(ls.sc.pending, e)
}

// queued marks the stream queued for its next step at due (now when it was
// asked to end, a check of its client first when due is more than
// probeEvery away) and returns its wheel entry; the caller holds the
// cursor's lock.
func (ls *liveStream) queued(due, now time.Duration) dueEntry {
	ls.due, ls.probe = due, false
	if ls.cur.endReq != endNone {
		due = now
	} else if due-now > probeEvery {
		due, ls.probe = now+probeEvery, true
	}
	ls.gen++
	ls.where = queued
	return dueEntry{due: due, gen: ls.gen, ls: ls}
}

// reclaim takes the stream back after its scheduler refused it (closed).
func (ls *liveStream) reclaim() {
	ls.cur.mu.Lock()
	ls.where = stepping
	ls.cur.mu.Unlock()
}

// kick makes the scheduler look at the stream now: after a release or a
// request to end. A stream being written is looked at when its write ends.
func (ls *liveStream) kick() {
	c := ls.cur
	c.mu.Lock()
	switch ls.where {
	case queued, parked:
		wasParked := ls.where == parked
		ls.gen++
		ls.where, ls.probe = queued, false
		e := dueEntry{due: time.Since(ls.sc.epoch), gen: ls.gen, ls: ls}
		c.mu.Unlock()
		if wasParked {
			ls.sc.t.unpark(ls)
		}
		if !ls.sc.push(e) {
			ls.reclaim()
			ls.closeNow(ErrClosed)
		}
		return
	}
	c.mu.Unlock()
}

// step makes the write that is due for a stream (its headers, its next
// chunk, its end), or parks it at a pause point. The caller claimed the
// stream with takeLocked: step is called with the cursor's lock held, and
// releases it.
func (sc *scheduler) step(ls *liveStream) {
	c := ls.cur
	if ls.probe {
		ls.probe = false
		c.mu.Unlock()
		if clientGone(ls.conn) {
			ls.closeNow(ErrClientGone)
			return
		}
		c.mu.Lock()
	}
	if how := c.endReq; how != endNone {
		c.mu.Unlock()
		ls.endBy(how)
		return
	}
	if pause := c.pauseAhead(); pause != fault.NoPause {
		c.held = pause == fault.Hold
		ls.where = parked
		c.mu.Unlock()
		sc.t.park(ls)
		if pause == fault.Hold && ls.s.Hooks != nil {
			ls.s.Hooks.Held()
		}
		return
	}
	due := c.nextDue()
	at := ls.start + due
	now := time.Since(sc.epoch)
	if at > now { // not due yet: a release or a kick brought it early
		ls.requeueInPass(at, now)
		return
	}
	if ls.ending || c.next == len(c.chunks) && c.next >= 0 {
		c.mu.Unlock()
		ls.finishAtEnd(now)
		return
	}
	// The head takes the first chunk along, and the last chunk the end of
	// the body, when they are due within coalesceWithin of each other; the
	// write then waits for the later of the two, so that nothing is written
	// before its time.
	joinFirst := c.next < 0 && len(c.chunks) > 0 && c.chunks[0].Due <= c.headersDue+coalesceWithin && c.chunks[0].Pause == fault.NoPause
	// The latest due in this write, and the last chunk it carries (-1, the
	// head's, for the head alone).
	last, carried := due, c.next
	if joinFirst {
		last, carried = c.chunks[0].Due, 0
	}
	joinEnd := !ls.reset && carried == len(c.chunks)-1 && c.endDue <= last+coalesceWithin
	if joinEnd {
		last = max(last, c.endDue)
	}
	if at = ls.start + last; at > now {
		ls.requeueInPass(at, now)
		return
	}
	start := len(sc.buf) // the pass's earlier messages, queued, are before it
	first := c.next
	if c.next < 0 {
		sc.buf = append(sc.buf, ls.header...)
		ls.header = nil
		c.next, c.passed, c.lastDue = 0, false, c.headersDue
		first = 0
		// Headers are not body: joining the first chunk moves no chunk
		// boundary.
		if joinFirst {
			sc.appendChunk(ls, c.chunks[0])
			c.next, c.lastDue = 1, c.chunks[0].Due
		}
	} else {
		sc.appendChunk(ls, c.chunks[c.next])
		c.lastDue = c.chunks[c.next].Due
		c.next++
		c.passed = false
	}
	var written []fault.Chunk
	if c.next > first {
		written = c.chunks[first:c.next]
	}
	done := false
	if c.next == len(c.chunks) {
		if joinEnd {
			// The end of the body is framing, not a chunk of the recording.
			sc.buf = append(sc.buf, "0\r\n\r\n"...)
			done = true
		} else {
			// The recording stayed open after its last chunk, or ended
			// with a reset: one more step, at the end's time.
			ls.ending = true
		}
	}
	next := c.endDue
	if c.next < len(c.chunks) {
		next = c.chunks[c.next].Due
	}
	c.mu.Unlock()
	if done {
		ls.announceEnd()
	}
	sc.send(ls, start, written, done, at, ls.start+next, now)
}

// send makes a step's write, the message in buf from start: queued for the
// pass's send ring, or at once without one. at is when it was due, next
// when the stream's next step is; written and done are afterWrite's.
func (sc *scheduler) send(ls *liveStream, start int, written []fault.Chunk, done bool, at, next, now time.Duration) {
	if sc.ring != nil && ls.hasFD {
		sc.queue = append(sc.queue, queuedWrite{ls: ls, off: start, end: len(sc.buf), written: written, done: done, at: at, next: next, now: now})
		return
	}
	msg := sc.buf[start:]
	sc.late.add(now - at)
	n, err := sc.write(ls, msg)
	sc.wrote(ls, msg, n, err, written, done, next, now)
	sc.buf = sc.buf[:start]
}

// wrote finishes a step after its write of msg, which took n bytes or
// failed with err: the stream goes back in the wheel, or ends, or a
// goroutine of its own finishes the write for a client that reads slowly.
func (sc *scheduler) wrote(ls *liveStream, msg []byte, n int, err error, written []fault.Chunk, done bool, next, now time.Duration) {
	if err != nil {
		ls.closeNow(ErrClientGone)
		return
	}
	if n < len(msg) {
		// A client that reads slowly: finish this write on a goroutine of
		// its own, then come back to the wheel.
		rest := append([]byte(nil), msg[n:]...)
		c := ls.cur
		c.mu.Lock()
		ls.where = writing
		c.mu.Unlock()
		sc.t.wg.Add(1)
		go func() {
			defer sc.t.wg.Done()
			_ = ls.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
			_, err := ls.conn.Write(rest)
			_ = ls.conn.SetWriteDeadline(time.Time{})
			c.mu.Lock()
			ls.where = stepping
			c.mu.Unlock()
			if err != nil {
				ls.closeNow(ErrClientGone)
				return
			}
			ls.afterWrite(written, done, next, time.Since(sc.epoch), false)
		}()
		return
	}
	ls.afterWrite(written, done, next, now, true)
}

// appendChunk adds one chunk, in HTTP/1.1 chunked framing, to the pass's
// buffer.
func (sc *scheduler) appendChunk(ls *liveStream, ch fault.Chunk) {
	if len(ch.Data) > 0 {
		sc.buf = strconv.AppendInt(sc.buf, int64(len(ch.Data)), 16)
		sc.buf = append(sc.buf, "\r\n"...)
		sc.buf = append(sc.buf, ch.Data...)
		sc.buf = append(sc.buf, "\r\n"...)
	}
	ls.cur.bytes += len(ch.Data)
	ls.cur.off += int64(len(ch.Data))
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

// afterWrite reports the events the written chunks completed and schedules
// the next step at next, or ends the stream; now is the scheduler's clock
// at the write, and inPass says the scheduler's pass made it (not a slow
// writer's goroutine).
func (ls *liveStream) afterWrite(written []fault.Chunk, done bool, next, now time.Duration, inPass bool) {
	// One count for all the events written, under the lock that puts the
	// stream back in the wheel; the callback, when there is one, per event
	// and before the stream goes back, so that its calls keep their order.
	n := 0
	for _, ch := range written {
		n += len(ch.Events)
	}
	c := ls.cur
	c.mu.Lock()
	first := c.events + 1
	c.events += n
	if !done && (n == 0 || !ls.event) {
		if inPass {
			ls.requeueInPass(next, now)
		} else {
			ls.requeue(next, now)
		}
		return
	}
	c.mu.Unlock()
	if ls.s.Event != nil {
		for _, ch := range written {
			for _, e := range ch.Events {
				ls.s.Event(first, e)
				first++
			}
		}
	}
	if done {
		ls.finishClean()
		return
	}
	ls.schedule(next)
}

// finishAtEnd ends a stream at its end time: a TCP reset when the recording
// ended with one, else the end of the body, written as the pass's other
// writes are (send), its lateness counted like theirs. now is the
// scheduler's clock; step calls it, in a pass.
func (ls *liveStream) finishAtEnd(now time.Duration) {
	ls.announceEnd()
	if ls.reset {
		ls.resetNow(nil)
		return
	}
	sc := ls.sc
	ls.cur.mu.Lock()
	at := ls.start + ls.cur.endDue
	ls.cur.mu.Unlock()
	start := len(sc.buf)
	sc.buf = append(sc.buf, "0\r\n\r\n"...)
	sc.send(ls, start, nil, true, at, at, now)
}

// announceEnd calls the stream's Ending before the write that ends it.
func (ls *liveStream) announceEnd() {
	if ls.s.Hooks != nil {
		ls.s.Hooks.Ending()
	}
}

// finishClean ends a stream that was sent to its end: its connection goes
// to the keeper for the next request, or is closed.
func (ls *liveStream) finishClean() {
	if !ls.detach() {
		return
	}
	if ls.keep != nil {
		// A Keeper takes the connection without a deadline. This stream
		// left one when it was parked (its waiter's wake-up) or wrote
		// without the raw socket (writeSlack's). parks is read without
		// the lock: detach took it after the last park, and a finished
		// stream is parked no more.
		if ls.parks > 0 || !ls.hasFD {
			_ = ls.conn.SetDeadline(time.Time{})
		}
		ls.keep.KeepConn(ls.conn, ls.rest)
	} else {
		_ = ls.conn.Close()
	}
	ls.s.finish(nil)
}

// detach marks the stream finished; false when it already was.
func (ls *liveStream) detach() bool {
	ls.cur.mu.Lock()
	defer ls.cur.mu.Unlock()
	if ls.where == finished {
		return false
	}
	ls.where = finished
	return true
}

// endBy ends a stream as the control API asked, or as its parked client did.
func (ls *liveStream) endBy(how endHow) {
	switch how {
	case endReset:
		ls.resetNow(ErrResetByControl)
	case endGone:
		ls.closeNow(ErrClientGone)
	default:
		ls.closeNow(ErrEndedByControl)
	}
}

// closeNow ends the stream cleanly where it is, then closes the connection:
// the end of the chunked body, after the response head when a hold kept it
// back (an empty stream, as planned otherwise).
func (ls *liveStream) closeNow(err error) {
	if !ls.detach() {
		return
	}
	if !errors.Is(err, ErrClientGone) {
		ls.cur.mu.Lock()
		msg := []byte("0\r\n\r\n")
		if ls.cur.next < 0 {
			msg = append(append([]byte(nil), ls.header...), msg...)
			ls.cur.next = 0
		}
		ls.cur.mu.Unlock()
		_ = ls.conn.SetWriteDeadline(time.Now().Add(writeSlack))
		_, _ = ls.conn.Write(msg)
	}
	_ = ls.conn.Close()
	ls.s.finish(err)
}

// resetNow ends the stream with a TCP reset (SO_LINGER 0), no end of body.
func (ls *liveStream) resetNow(err error) {
	if !ls.detach() {
		return
	}
	if tc, ok := ls.conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = ls.conn.Close()
	ls.s.finish(err)
}
