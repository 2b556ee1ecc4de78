package transport

import (
	"sync"
	"time"
)

// Parked streams: held at a hold point or stalled forever, outside every
// scheduler's wheel, so that they cost nothing while they wait. Each has a
// small goroutine blocked in the netpoller until the connection becomes
// readable, which is how a client that leaves is noticed (the peek finds the
// end of the connection); a release or an end wakes it with a read deadline
// in the past.

// parkedSet lists the parked streams, so that Close can wake them all.
type parkedSet struct {
	mu sync.Mutex
	m  map[*liveStream]struct{}
}

// park starts waiting for a parked stream's client to leave.
func (t *Transport) park(ls *liveStream) {
	t.parked.mu.Lock()
	select {
	case <-t.closed:
		t.parked.mu.Unlock()
		ls.takeParked()
		ls.closeNow(ErrClosed)
		return
	default:
	}
	if t.parked.m == nil {
		t.parked.m = map[*liveStream]struct{}{}
	}
	t.parked.m[ls] = struct{}{}
	t.wg.Add(1)
	t.parked.mu.Unlock()
	ls.cur.mu.Lock()
	ls.parks++
	gen := ls.parks
	ls.cur.mu.Unlock()
	_ = ls.conn.SetReadDeadline(time.Time{}) // a release's wake-up may still stand
	go t.waitParked(ls, gen)
}

// unpark stops the waiter of a stream taken out of the parked set.
func (t *Transport) unpark(ls *liveStream) {
	t.parked.mu.Lock()
	delete(t.parked.m, ls)
	t.parked.mu.Unlock()
	_ = ls.conn.SetReadDeadline(time.Now())
}

// wakeParked wakes every parked stream's waiter (Close).
func (t *Transport) wakeParked() {
	t.parked.mu.Lock()
	for ls := range t.parked.m {
		_ = ls.conn.SetReadDeadline(time.Now())
	}
	t.parked.mu.Unlock()
}

// takeParked claims a parked stream for its waiter; false when a release or
// an end took it first.
func (ls *liveStream) takeParked() bool {
	ls.cur.mu.Lock()
	defer ls.cur.mu.Unlock()
	if ls.where != parked {
		return false
	}
	ls.where = stepping
	ls.cur.held = false
	return true
}

// waitParked waits for the client of a stream parked for the gen-th time,
// until it leaves, the transport closes, or the stream goes on.
func (t *Transport) waitParked(ls *liveStream, gen uint64) {
	defer t.wg.Done()
	raw := rawConn(ls.conn)
	for {
		var err error
		if raw != nil {
			err = waitReadable(raw)
		} else {
			// No readiness to wait on: look for a departed client now and then.
			timer := time.NewTimer(probeEvery)
			select {
			case <-timer.C:
			case <-t.closed:
			}
			timer.Stop()
		}
		select {
		case <-t.closed:
			t.dropParked(ls)
			if ls.takeParked() {
				ls.closeNow(ErrClosed)
			}
			return
		default:
		}
		ls.cur.mu.Lock()
		still := ls.where == parked && ls.parks == gen
		ls.cur.mu.Unlock()
		if !still {
			return
		}
		if clientGone(ls.conn) {
			t.dropParked(ls)
			if ls.takeParked() {
				ls.closeNow(ErrClientGone)
			}
			return
		}
		if err == nil && raw != nil {
			// Readable, yet the client is there: it sent its next request
			// early. Readiness says nothing more now; check every second.
			raw = nil
		}
	}
}

func (t *Transport) dropParked(ls *liveStream) {
	t.parked.mu.Lock()
	delete(t.parked.m, ls)
	t.parked.mu.Unlock()
}
