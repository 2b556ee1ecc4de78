package transport

import (
	"errors"
	"os"
	"time"

	"github.com/ssetape/ssetape/internal/sendring"
	"github.com/ssetape/ssetape/replayer/fault"
)

// A pass's writes. With a send ring (internal/sendring), step queues each
// write it makes and the pass sends what it queued in one system call, then
// finishes each step as it would have after its own write (sendQueued).
// Without one, step writes at once. Either way every write is made in the
// pass that found it due, in the same order, with the same bytes. Queued,
// a write goes out a little later than it would have at once (after the
// pass has prepared the writes behind it, about a microsecond each). Its
// lateness is taken as the batch starts to go (sendQueued), which for the
// batch's later writes leaves out the time the sends before them take: up
// to a few hundred microseconds in a busy pass, as a pass that wrote one
// at a time did not.

// ringOff is the environment variable that turns the send ring off:
// SSETAPE_IO_URING=off (or 0, or false) writes each stream with send(2),
// as on a system without io_uring.
const ringOff = "SSETAPE_IO_URING"

// arenaLimit is how many bytes of queued writes a pass holds before it
// sends them: a bound on the scheduler's buffer when many large chunks fall
// due at once.
const arenaLimit = 1 << 20

// ringEntries is how many writes a pass sends in one system call at most:
// more than a busy pass makes at 5,000 streams, about 50.
const ringEntries = 256

// queuedWrite is what a step needs to finish once its write is made.
type queuedWrite struct {
	ls       *liveStream
	off, end int // the message, in the scheduler's buf
	written  []fault.Chunk
	done     bool
	at       time.Duration // when the write was due
	next     time.Duration // when the stream's next step is due
	now      time.Duration // the scheduler's clock at the step
}

// openRing returns a send ring for a scheduler, or nil when there is none
// (not Linux, io_uring refused, or turned off), logged once at debug level.
func (t *Transport) openRing() *sendring.Ring {
	switch os.Getenv(ringOff) {
	case "off", "0", "false":
		return nil
	}
	r, err := sendring.New(ringEntries)
	if err != nil {
		t.ringOnce.Do(func() {
			t.log.Debug("writing each stream with its own system call: no io_uring", "err", err)
		})
		return nil
	}
	return r
}

// queueFull says the pass must send what it queued before the next step.
func (sc *scheduler) queueFull() bool {
	return len(sc.queue) > 0 && (len(sc.queue) >= sc.ring.Capacity() || len(sc.buf) >= arenaLimit)
}

// sendQueued makes the writes the pass queued, then finishes their steps
// in the order they were queued. When the ring fails, the scheduler gives
// it up: writes it had not taken are made with send(2), and the streams of
// any it had taken, whose results are unknown, are closed.
func (sc *scheduler) sendQueued() {
	if len(sc.queue) == 0 {
		return
	}
	sends := sc.sends[:0]
	for _, q := range sc.queue {
		sends = append(sends, sendring.Send{FD: q.ls.fd, B: sc.buf[q.off:q.end]})
	}
	// Each write is counted before it goes, as a write made at once is, so
	// that a client never sees a write the statistics have not counted.
	// Its lateness is taken as the batch starts to go: for the batch's
	// later writes it is short by the time the sends before them take.
	started := time.Since(sc.epoch)
	for _, q := range sc.queue {
		sc.late.add(started - q.at)
	}
	if err := sc.ring.SendAll(sends); err != nil {
		sc.t.log.Warn("io_uring failed; writing each stream with its own system call from now on", "err", err)
		sc.closeRing()
		broken := errors.Is(err, sendring.ErrBroken)
		for i := range sends {
			if broken {
				sends[i].N, sends[i].Err = 0, err
			} else {
				sends[i].N, sends[i].Err = writeAll(sends[i].FD, sends[i].B)
			}
		}
	}
	for i, q := range sc.queue {
		sc.wrote(q.ls, sends[i].B, sends[i].N, sends[i].Err, q.written, q.done, q.next, q.now)
		sc.queue[i] = queuedWrite{}
		sends[i] = sendring.Send{}
	}
	sc.queue = sc.queue[:0]
	sc.sends = sends[:0]
	sc.buf = sc.buf[:0]
}

// closeRing gives the scheduler's ring back when it stops.
func (sc *scheduler) closeRing() {
	if sc.ring != nil {
		sc.ring.Close()
		sc.ring = nil
	}
}
