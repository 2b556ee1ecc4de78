package httpfront

import (
	"math"
	"time"
)

// idleConns is the connections waiting for a request, which Shutdown
// closes and the sweeper times out (sweep.go): lists threaded through the
// conns themselves, one for each way a wait can time out. Every request
// takes its connection off and puts it back after, two changes under the
// server's lock; in a map keyed by the net.Conn they hashed an interface
// and probed a table each time. A wait's timeout is the same for every
// connection on its list, and a connection goes on at the end, so each
// list is in the order its waits time out: the sweeper looks only at the
// first. Guarded by the server's mu.
type idleConns struct {
	lists [waitKinds]connList
}

// waitKind is which timeout a connection's wait has.
type waitKind int8

const (
	waitUntimed waitKind = iota // no timeout of its own (a timeout of 0, a head under way)
	waitHeader                  // a new connection's first request: ReadHeaderTimeout
	waitIdle                    // a kept connection's next request: IdleTimeout
	waitKinds
)

// never is the time of a wait without a timeout.
const never = time.Duration(math.MaxInt64)

type connList struct{ first, last *conn }

// idleLink is a conn's place in the lists.
type idleLink struct {
	prev, next *conn
	in         bool
	kind       waitKind
	until      time.Duration // when the wait times out, on the server's clock
	swept      bool          // the sweeper timed it out: its read deadline is past
}

// add puts fc at the end of kind's list, its wait timing out at until.
func (l *idleConns) add(fc *conn, kind waitKind, until time.Duration) {
	if fc.idle.in {
		return
	}
	list := &l.lists[kind]
	fc.idle = idleLink{prev: list.last, in: true, kind: kind, until: until}
	if list.last != nil {
		list.last.idle.next = fc
	} else {
		list.first = fc
	}
	list.last = fc
}

// remove takes fc off its list; swept says the sweeper had timed its wait
// out, so that its read deadline is past.
func (l *idleConns) remove(fc *conn) (swept bool) {
	if !fc.idle.in {
		return false
	}
	list := &l.lists[fc.idle.kind]
	if p := fc.idle.prev; p != nil {
		p.idle.next = fc.idle.next
	} else {
		list.first = fc.idle.next
	}
	if n := fc.idle.next; n != nil {
		n.idle.prev = fc.idle.prev
	} else {
		list.last = fc.idle.prev
	}
	swept = fc.idle.swept
	fc.idle = idleLink{}
	return swept
}

// expire calls timeOut for each connection whose wait timed out by now,
// moves it to the untimed list, and returns when the next wait times out
// (never with none).
func (l *idleConns) expire(now time.Duration, timeOut func(*conn)) time.Duration {
	next := never
	for kind := waitHeader; kind < waitKinds; kind++ {
		list := &l.lists[kind]
		for fc := list.first; fc != nil && fc.idle.until <= now; fc = list.first {
			l.remove(fc)
			l.add(fc, waitUntimed, never)
			fc.idle.swept = true
			timeOut(fc)
		}
		if list.first != nil {
			next = min(next, list.first.idle.until)
		}
	}
	return next
}

// takeAll empties the lists and returns what they held.
func (l *idleConns) takeAll() []*conn {
	var all []*conn
	for kind := range l.lists {
		for fc := l.lists[kind].first; fc != nil; {
			next := fc.idle.next
			fc.idle = idleLink{}
			all = append(all, fc)
			fc = next
		}
		l.lists[kind] = connList{}
	}
	return all
}
