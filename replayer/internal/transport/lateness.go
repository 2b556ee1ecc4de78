package transport

import (
	"sync"
	"time"
)

// Lateness says how closely the schedulers kept the schedule of the streams
// they wrote: how late each write was against the time it was due (a held
// stream's time held is not counted: its schedule shifts by it). Lateness a
// client measures beyond this is not the server's: it is in the network
// stack or the client itself.
type Lateness struct {
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
// The warning says what is behind, and whether the server could have been
// the cause: with few streams, a pass late by that much means the process
// did not get the CPU (a busy machine, a paused process), not that the
// server had too much to write.
func (sc *scheduler) noteLag(lag time.Duration, streams int) {
	if lag < behindWarn {
		return
	}
	now := time.Now().UnixNano()
	last := sc.t.warnedBehind.Load()
	if last != 0 && now-last < int64(behindEvery) || !sc.t.warnedBehind.CompareAndSwap(last, now) {
		return
	}
	if streams < busyStreams {
		sc.t.log.Warn("a stream's writes are late against their schedule; with this few streams the server had little to do, so the process was kept from the CPU (a busy machine, or the process was paused)",
			"late", lag.Round(time.Millisecond), "streams", streams)
		return
	}
	sc.t.log.Warn("the replay is behind its schedule: more writes are due than the server can make in time, so events arrive late",
		"late", lag.Round(time.Millisecond), "streams", streams,
		"hint", "serve fewer streams at once, or give the server more CPUs (one scheduler per CPU)")
}

// busyStreams is how many streams one scheduler must hold before a late pass
// is put down to the server's own load: at 5,000 streams a scheduler keeps
// its p99 within a few milliseconds (docs/benchmarks.md), so below a
// thousand a 50 ms delay is not its writing.
const busyStreams = 1000

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

// Lateness reports the lateness of the writes made so far (streams sent
// over HTTP/1.1; the few sent by the ordinary handler are not counted).
// Percentiles are rounded up to 0.1 ms.
func (t *Transport) Lateness() Lateness {
	var sum lateHist
	t.schedMu.Lock()
	scheds := t.scheds
	t.schedMu.Unlock()
	for _, sc := range scheds {
		h := &sc.late
		h.mu.Lock()
		sum.n += h.n
		sum.max = max(sum.max, h.max)
		for i, c := range h.b {
			sum.b[i] += c
		}
		h.mu.Unlock()
	}
	st := Lateness{Writes: sum.n, Max: sum.max}
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
