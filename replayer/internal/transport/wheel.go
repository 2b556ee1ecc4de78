package transport

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"time"
)

// dueWheel holds a scheduler's streams by when they are next due: a timer
// wheel of wheelSlots slots of wheelTick each, so that putting a stream in
// and taking the due ones out cost the same with ten streams or ten
// thousand (a heap costs a walk down its depth, and that walk was the
// largest of the scheduler's own costs left under load). Each entry keeps
// its due time beside the pointer, so that finding what is due touches
// only the wheel's arrays, and the generation of the stream's schedule it
// was put in for: an entry whose stream was rescheduled since (released,
// ended) is stale and skipped when it comes up.
//
// An entry due at d sits in tick ceil(d/wheelTick); a slot holds the ticks
// that are the same modulo wheelSlots. Only ticks from cur on are in the
// wheel, and only up to wheelSlots of them, so a slot holds one tick's
// entries; later ones wait in far. A stream is never put in for more than
// probeEvery ahead, so far is only used when the scheduler was kept from
// running for seconds.
type dueWheel struct {
	slots [wheelSlots][]dueEntry
	full  [wheelSlots / 64]uint64 // a bit per slot that has entries
	cur   int64                   // the earliest tick that may have entries
	n     int                     // entries in the slots and in far
	far   []dueEntry
	spare [][]dueEntry // emptied slot arrays, for the next slot to fill
}

type dueEntry struct {
	due time.Duration
	gen uint64
	ls  *liveStream
}

const (
	// wheelTick is passEvery: a busy scheduler makes a pass a tick.
	wheelTick  = passEvery
	wheelSlots = 4096 // 4 s of ticks: more than probeEvery
	// spareSlots is how many emptied arrays are kept for reuse: enough for
	// the slots a pass empties and the next ones fill, without keeping an
	// array for each of the 4,096 slots.
	spareSlots = 64
)

func tickOf(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + wheelTick - 1) / wheelTick)
}

func (w *dueWheel) len() int { return w.n }

// push adds an entry.
func (w *dueWheel) push(e dueEntry) {
	w.n++
	t := max(tickOf(e.due), w.cur)
	if t-w.cur >= wheelSlots {
		w.far = append(w.far, e)
		return
	}
	i := t % wheelSlots
	s := w.slots[i]
	if s == nil && len(w.spare) > 0 {
		s = w.spare[len(w.spare)-1]
		w.spare[len(w.spare)-1] = nil
		w.spare = w.spare[:len(w.spare)-1]
	}
	w.slots[i] = append(s, e)
	w.full[i/64] |= 1 << (i % 64)
}

// popDue appends to batch every entry due at or before now, earliest
// first, and returns it.
func (w *dueWheel) popDue(now time.Duration, batch []dueEntry) []dueEntry {
	start := len(batch)
	// Ticks up to now's are due whole: their entries are due at or before
	// their tick's end, which has passed.
	last := int64(now / wheelTick)
	for w.cur <= last {
		t, ok := w.nextFull()
		if !ok || t > last {
			break
		}
		i := t % wheelSlots
		batch = append(batch, w.slots[i]...)
		w.empty(i)
		w.cur = t + 1
	}
	w.cur = max(w.cur, last+1)
	// The next tick is due in part: what fell due in it so far.
	if i := w.cur % wheelSlots; w.full[i/64]&(1<<(i%64)) != 0 {
		s := w.slots[i]
		kept := s[:0]
		for _, e := range s {
			if e.due <= now {
				batch = append(batch, e)
			} else {
				kept = append(kept, e)
			}
		}
		clear(s[len(kept):])
		w.slots[i] = kept
		if len(kept) == 0 {
			w.empty(i)
		}
	}
	w.n -= len(batch) - start
	batch = w.fromFar(now, batch)
	// In the order they fell due, as a heap gives them: the earliest due
	// is written first, and a stream keeps about its place from pass to
	// pass (its events are due at the same offsets from its start as the
	// others'), so the time a pass takes delays its events alike.
	sortByDue(batch[start:])
	return batch
}

// sortByDue puts entries in due order. A pass's entries are nearly in it
// already: a slot fills in about due order, and what breaks it is a few
// entries put in late (a new stream, the rest of a tick half taken), so an
// insertion sort costs about one comparison an entry. pdqsort gave up on
// such a batch after a few entries out of place and partitioned it: 2 %
// of the server's user-space samples under load. Past moves of 4 an entry
// the rest is left to slices.SortFunc, so a batch in no order costs
// n log n, not n².
func sortByDue(b []dueEntry) {
	moves := 0
	for i := 1; i < len(b); i++ {
		e := b[i]
		j := i
		for j > 0 && b[j-1].due > e.due {
			b[j] = b[j-1]
			j--
		}
		b[j] = e
		if moves += i - j; moves > 4*len(b) {
			slices.SortFunc(b, func(x, y dueEntry) int { return cmp.Compare(x.due, y.due) })
			return
		}
	}
}

// empty clears slot i and keeps its array as a spare.
func (w *dueWheel) empty(i int64) {
	s := w.slots[i]
	clear(s)
	w.slots[i] = nil
	w.full[i/64] &^= 1 << (i % 64)
	if len(w.spare) < spareSlots {
		w.spare = append(w.spare, s[:0])
	}
}

// fromFar appends to batch the entries of far due at or before now (when
// the scheduler was kept from running for longer than the wheel's span),
// and moves those the wheel now spans into it.
func (w *dueWheel) fromFar(now time.Duration, batch []dueEntry) []dueEntry {
	if len(w.far) == 0 {
		return batch
	}
	far := w.far
	w.far = nil
	for _, e := range far {
		switch {
		case e.due <= now:
			w.n--
			batch = append(batch, e)
		case tickOf(e.due)-w.cur < wheelSlots:
			w.n--
			w.push(e)
		default:
			w.far = append(w.far, e)
		}
	}
	return batch
}

// nextFull is the first tick from cur on whose slot has entries.
func (w *dueWheel) nextFull() (int64, bool) {
	start := w.cur % wheelSlots
	for k := int64(0); k <= wheelSlots/64; k++ {
		word := (start/64 + k) % (wheelSlots / 64)
		b := w.full[word]
		if k == 0 {
			b &^= 1<<(start%64) - 1 // the slots before start in its word
		}
		if k == wheelSlots/64 {
			b &= 1<<(start%64) - 1 // back round to start's word: only those
		}
		if b != 0 {
			i := word*64 + int64(bits.TrailingZeros64(b))
			return w.cur + (i-start+wheelSlots)%wheelSlots, true
		}
	}
	return 0, false
}

// nextDue is when the earliest entry is due (math.MaxInt64 with none).
func (w *dueWheel) nextDue() time.Duration {
	next := time.Duration(math.MaxInt64)
	if t, ok := w.nextFull(); ok {
		for _, e := range w.slots[t%wheelSlots] {
			next = min(next, e.due)
		}
	}
	for _, e := range w.far {
		next = min(next, e.due)
	}
	return next
}

// drain takes every entry out (shutdown).
func (w *dueWheel) drain() []dueEntry {
	var all []dueEntry
	for i := range w.slots {
		all = append(all, w.slots[i]...)
		w.slots[i] = nil
	}
	all = append(all, w.far...)
	*w = dueWheel{}
	return all
}
