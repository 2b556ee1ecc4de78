package transport

import (
	"runtime"
	"sync"
	"time"
)

// The schedulers: one per CPU, each holding a heap of streams ordered by
// when their next write is due. A pass writes every stream that is due, in
// the order they fell due, from one goroutine and without blocking, so
// that many streams cost one wake-up per pass, not one per write.

// passEvery is the shortest time between two passes of a busy scheduler:
// streams that fall due within it are written in one pass. Go's timers
// wake a sleeping program with about this granularity anyway.
const passEvery = time.Millisecond

// probeEvery is how often a stream waiting for its next write is checked
// for a client that went away.
const probeEvery = time.Second

// scheduler writes the streams of one shard.
type scheduler struct {
	t     *Transport
	epoch time.Time // due times count from here (monotonic)
	// mu guards h; it is never held while a stream's cursor lock is taken
	// (the order is cursor, then scheduler).
	mu    sync.Mutex
	h     streamHeap
	dead  bool // shut down: no stream is taken any more
	wake  chan struct{}
	buf   []byte
	batch []heapEntry
	late  lateHist
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
			sc := &scheduler{t: t, epoch: epoch, wake: make(chan struct{}, 1)}
			t.scheds = append(t.scheds, sc)
			t.wg.Add(1)
			go sc.run()
		}
	}
	return t.scheds[id%uint64(len(t.scheds))]
}

// push puts an entry in the heap and wakes the scheduler when it is the
// new earliest; false when the scheduler has shut down (the caller then
// ends the stream itself).
func (sc *scheduler) push(e heapEntry) bool {
	sc.mu.Lock()
	if sc.dead {
		sc.mu.Unlock()
		return false
	}
	sc.h.push(e)
	first := sc.h[0].ls == e.ls && sc.h[0].gen == e.gen
	sc.mu.Unlock()
	if first {
		select {
		case sc.wake <- struct{}{}:
		default:
		}
	}
	return true
}

func (sc *scheduler) run() {
	defer sc.t.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-sc.t.closed:
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
		for i, e := range sc.batch {
			if e.ls.take(e.gen) {
				sc.step(e.ls)
			}
			sc.batch[i] = heapEntry{}
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
		case <-sc.t.closed:
			sc.shutdown()
			return
		}
	}
}

// shutdown ends every stream of the shard cleanly: the end of the chunked
// body, then the connection closes. Streams parked or being written by a
// slow writer end when they next come to the scheduler or their waiter
// sees the transport closed.
func (sc *scheduler) shutdown() {
	sc.mu.Lock()
	entries := sc.h
	sc.h, sc.dead = nil, true
	sc.mu.Unlock()
	for _, e := range entries {
		if e.ls.take(e.gen) {
			e.ls.closeNow(ErrClosed)
		}
	}
}
