package transport

import (
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/ssetape/ssetape/internal/sendring"
)

// The schedulers: one per CPU, each holding its streams by when their
// next write is due (wheel.go). A pass writes every stream that is due, in
// the order they fell due, from one goroutine and without blocking, so
// that many streams cost one wake-up per pass, not one per write.

// passEvery is a busy scheduler's tick: after a pass that wrote, the next
// one starts at the next tick, so that streams that fall due within a tick
// are written in one pass. Go's timers wake a sleeping program with about
// this granularity anyway.
const passEvery = time.Millisecond

// probeEvery is how often a stream waiting for its next write is checked
// for a client that went away.
const probeEvery = time.Second

// scheduler writes the streams of one shard.
type scheduler struct {
	t     *Transport
	epoch time.Time // due times count from here (monotonic)
	// mu guards w, dead, sleep and notBefore; it is never held while a
	// stream's cursor lock is taken (the order is cursor, then scheduler).
	mu   sync.Mutex
	w    dueWheel
	dead bool // shut down: no stream is taken any more
	// sleep is when the scheduler wakes next, when it sleeps, and
	// notBefore the earliest it may make its next pass; a stream put in
	// that it could write before sleep wakes it. While a pass runs, sleep
	// is passing: the pass looks at the wheel again before it sleeps.
	sleep, notBefore time.Duration
	wake             chan struct{}
	// buf holds the pass's messages: queued for the ring (batch.go), or
	// one at a time without it.
	buf   []byte
	batch []dueEntry
	// ring sends the pass's writes in one system call; nil: each is its
	// own. queue and sends are its writes in this pass.
	ring  *sendring.Ring
	queue []queuedWrite
	sends []sendring.Send
	// pending are the entries of the streams this pass put back: they go
	// in the wheel under one lock when the pass ends (flushPass), not one
	// each. Only the scheduler's goroutine touches it.
	pending []dueEntry
	late    lateHist
	// warmed keeps the sum warm returns, so that its reads are made.
	warmed uintptr
}

// shard returns the scheduler for a stream, starting the schedulers on first
// use (a server that never streams starts no goroutine), or nil once the
// transport is closed.
func (t *Transport) shard(id uint64) *scheduler {
	t.schedMu.Lock()
	defer t.schedMu.Unlock()
	if t.stopped {
		return nil
	}
	if t.scheds == nil {
		n := runtime.GOMAXPROCS(0)
		epoch := time.Now()
		for range n {
			sc := &scheduler{t: t, epoch: epoch, wake: make(chan struct{}, 1), ring: t.openRing()}
			t.scheds = append(t.scheds, sc)
			t.wg.Add(1)
			go sc.run()
		}
	}
	return t.scheds[id%uint64(len(t.scheds))]
}

// passing is a scheduler's sleep while it makes a pass: no stream put in
// then wakes it, as it looks at the wheel again before it sleeps.
const passing = time.Duration(math.MinInt64)

// push puts an entry in the wheel and wakes the scheduler when it is due
// before the scheduler would wake; false when the scheduler has shut down
// (the caller then ends the stream itself).
func (sc *scheduler) push(e dueEntry) bool {
	sc.mu.Lock()
	if sc.dead {
		sc.mu.Unlock()
		return false
	}
	sc.w.push(e)
	early := max(e.due, sc.notBefore) < sc.sleep
	sc.mu.Unlock()
	if early {
		select {
		case sc.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// flushPass puts the streams the pass put back in the wheel. The pass's
// own entries cannot be due in it (it took what was due when it began),
// and while it runs no stream put in wakes the scheduler, so holding them
// back to the pass's end changes no write's time. A stream kicked
// meanwhile (a release, an end) was pushed at once with a newer
// generation; its entry here is then stale and skipped, as any
// rescheduled stream's is. The wheel cannot be shut here: only shutdown
// marks it dead, and only this goroutine runs shutdown, after the pass.
func (sc *scheduler) flushPass() {
	if len(sc.pending) == 0 {
		return
	}
	sc.mu.Lock()
	for _, e := range sc.pending {
		sc.w.push(e)
	}
	sc.mu.Unlock()
	clear(sc.pending)
	sc.pending = sc.pending[:0]
}

func (sc *scheduler) run() {
	defer sc.t.wg.Done()
	defer sc.closeRing()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-sc.t.closed:
			sc.shutdown()
			return
		default:
		}
		// One pass: every stream that is due, the earliest first.
		now := time.Since(sc.epoch)
		passStart := now
		sc.mu.Lock()
		sc.sleep = passing
		sc.batch = sc.w.popDue(now, sc.batch)
		streams := sc.w.len() + len(sc.batch)
		sc.mu.Unlock()
		if len(sc.batch) > 0 {
			sc.noteLag(passStart-sc.batch[0].due, streams) // the earliest is first
		}
		sc.warmed += warm(sc.batch)
		for i, e := range sc.batch {
			if sc.queueFull() {
				sc.sendQueued()
			}
			if e.ls.takeLocked(e.gen) {
				sc.step(e.ls)
			}
			sc.batch[i] = dueEntry{}
		}
		sc.sendQueued()
		sc.flushPass()
		// A pass that wrote lets more streams fall due before the next,
		// which starts at the next tick, as the floor server's do: a paced
		// stream's due times (its start plus the recording's offsets) sit
		// at about the same place within a tick, so each of its writes
		// waits about the same part of one, rather than a different part
		// each time as with passes every passEvery from wherever the last
		// one started.
		notBefore := time.Duration(math.MinInt64)
		if len(sc.batch) > 0 {
			notBefore = (passStart/passEvery + 1) * passEvery
		}
		sc.batch = sc.batch[:0]
		if !sc.sleepUntilDue(timer, notBefore) {
			sc.shutdown()
			return
		}
	}
}

// sleepUntilDue sleeps until the earliest stream is due, but not before
// notBefore; false when the transport closed. A stream put in for earlier
// wakes it to look again, so a stream that falls due within a busy
// scheduler's passEvery waits for the next pass with the others (the
// batching that makes many streams cheap) rather than wake it at once.
func (sc *scheduler) sleepUntilDue(timer *time.Timer, notBefore time.Duration) bool {
	for {
		now := time.Since(sc.epoch)
		sc.mu.Lock()
		wake := now + time.Hour
		if sc.w.len() > 0 {
			wake = min(wake, sc.w.nextDue())
		}
		wake = max(wake, notBefore)
		if wake <= now {
			sc.sleep = passing
			sc.mu.Unlock()
			return true
		}
		sc.sleep, sc.notBefore = wake, notBefore
		sc.mu.Unlock()
		timer.Reset(wake - now)
		select {
		case <-timer.C:
			return true
		case <-sc.wake:
			timer.Stop()
		case <-sc.t.closed:
			return false
		}
	}
}

// shutdown ends every stream of the shard cleanly: the end of the chunked
// body, then the connection closes. Streams parked or being written by a
// slow writer end when they next come to the scheduler or their waiter
// sees the transport closed.
func (sc *scheduler) shutdown() {
	sc.mu.Lock()
	entries := sc.w.drain()
	sc.dead = true
	sc.mu.Unlock()
	for _, e := range entries {
		if e.ls.take(e.gen) {
			e.ls.closeNow(ErrClosed)
		}
	}
}
