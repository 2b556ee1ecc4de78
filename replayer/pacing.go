package replayer

import (
	"sync"
	"time"
)

// PacingStats says how closely the server kept the schedule of the
// streams it wrote from its schedulers: how late each write was against
// the time it was due. Lateness a client measures beyond this is not the
// server's: it is in the network stack or the client itself.
type PacingStats struct {
	Writes        int64
	P50, P99, Max time.Duration
}

// behindWarn is how late a scheduler's pass may start against its earliest
// due write before the server warns, at most once every behindEvery: past
// it the replay no longer keeps the recorded timing, because more writes
// are due than the server can make.
const (
	behindWarn  = 50 * time.Millisecond
	behindEvery = 10 * time.Second
)

// noteLag warns when a pass started lag after its earliest due write, with
// streams in the scheduler; once every behindEvery for the whole server.
func (sc *scheduler) noteLag(lag time.Duration, streams int) {
	if lag < behindWarn {
		return
	}
	now := time.Now().UnixNano()
	last := sc.s.warnedBehind.Load()
	if last != 0 && now-last < int64(behindEvery) || !sc.s.warnedBehind.CompareAndSwap(last, now) {
		return
	}
	sc.s.log.Warn("the replay is behind its schedule: more writes are due than the server can make in time, so events arrive late",
		"late", lag.Round(time.Millisecond), "streams", streams,
		"hint", "serve fewer streams at once, or give the server more CPUs (one scheduler per CPU)")
}

// lateStep is the resolution of the lateness histogram; lateBuckets of
// them cover 0 to 1 s, later writes count in the last bucket (and Max).
const (
	lateStep    = 100 * time.Microsecond
	lateBuckets = 10001
)

type lateHist struct {
	mu  sync.Mutex
	n   int64
	max time.Duration
	b   [lateBuckets]int64
}

func (h *lateHist) add(d time.Duration) {
	d = max(d, 0)
	i := min(int(d/lateStep), lateBuckets-1)
	h.mu.Lock()
	h.n++
	h.b[i]++
	h.max = max(h.max, d)
	h.mu.Unlock()
}

// Pacing reports the lateness of the writes made so far (streams sent
// over HTTP/1.1; the few sent by the ordinary handler are not counted).
// Percentiles are rounded up to 0.1 ms.
func (s *Server) Pacing() PacingStats {
	var sum lateHist
	for _, sc := range s.schedulers() {
		h := &sc.late
		h.mu.Lock()
		sum.n += h.n
		sum.max = max(sum.max, h.max)
		for i, c := range h.b {
			sum.b[i] += c
		}
		h.mu.Unlock()
	}
	st := PacingStats{Writes: sum.n, Max: sum.max}
	if sum.n == 0 {
		return st
	}
	at := func(q float64) time.Duration {
		want := int64(q*float64(sum.n-1)) + 1
		var seen int64
		for i, c := range sum.b {
			if seen += c; seen >= want {
				return min(time.Duration(i+1)*lateStep, sum.max)
			}
		}
		return sum.max
	}
	st.P50, st.P99 = at(0.50), at(0.99)
	return st
}
