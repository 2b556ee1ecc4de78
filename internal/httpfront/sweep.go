package httpfront

import "time"

// The waits for a request time out by a sweeper, not by a read deadline
// each. A deadline set before each wait and cleared after it was two
// changes to the poller's timers a request, about 3 % of the replay
// server's user-space time at 5,000 streams (docs/benchmarks.md). The sweeper
// sleeps until the first wait on the idle lists times out, gives each wait
// that has timed out a read deadline in the past, which ends its read as
// the deadline would have, and sleeps again: no timer work per request,
// and none at all while nothing waits.
//
// A timeout fires up to sweepGrain late, so that a busy server's sweeper
// wakes at most ten times a second; docs/limits.md says so.

// sweepGrain is how late a timed-out wait may be closed at most.
const sweepGrain = 100 * time.Millisecond

// aLongTimeAgo is a deadline in the past: it ends a read at once.
var aLongTimeAgo = time.Unix(1, 0)

// now is the server's clock, on which the waits time out.
func (s *Server) now() time.Duration { return time.Since(s.epoch) }

// sweep times out the waits for a request until the server shuts down.
func (s *Server) sweep() {
	defer s.wg.Done()
	timer := time.NewTimer(never)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		now := s.now()
		// The deadline is set under the lock, so that a connection the
		// lock gives back to its request (setBusy) is not timed out after.
		next := s.idle.expire(now, func(fc *conn) { _ = fc.c.SetReadDeadline(aLongTimeAgo) })
		if next != never {
			next = max(next, now+sweepGrain)
		}
		s.sweepAt = next
		s.mu.Unlock()
		var fire <-chan time.Time
		if next != never {
			timer.Reset(next - now)
			fire = timer.C
		}
		select {
		case <-fire:
		case <-s.sweepWake:
			timer.Stop()
		}
	}
}

// wakeSweeperLocked wakes the sweeper when a wait that times out at until
// is sooner than it would wake (or the server shut down: until -1). Under
// the server's lock.
func (s *Server) wakeSweeperLocked(until time.Duration) {
	if until < s.sweepAt {
		s.sweepAt = until
		select {
		case s.sweepWake <- struct{}{}:
		default:
		}
	}
}
