package transport

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The wheel gives back exactly the entries due by the time asked, each
// once, in due order, never one early, whatever order they went in, however pushes and
// pops interleave, and however far the clock jumps (past the wheel's span
// too); nextDue is the earliest due it holds.
func TestDueWheel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		var w dueWheel
		var held []dueEntry // what the wheel should hold
		now := time.Duration(rng.IntN(5000)) * time.Microsecond
		var gen uint64
		for step := range 400 {
			switch k := rng.IntN(10); {
			case k < 6: // put one in: often soon, now and then past the span
				gen++
				var d time.Duration
				switch rng.IntN(8) {
				case 0:
					d = now - time.Duration(rng.IntN(3000))*time.Microsecond // already due
				case 1:
					d = now + time.Duration(rng.IntN(9000))*time.Millisecond // beyond 4 s too
				default:
					d = now + time.Duration(rng.IntN(60000))*time.Microsecond
				}
				e := dueEntry{due: d, gen: gen}
				w.push(e)
				held = append(held, e)
			default: // the clock moves on (now and then by seconds), a pass
				switch rng.IntN(6) {
				case 0:
					now += time.Duration(rng.IntN(10)) * time.Second
				default:
					now += time.Duration(rng.IntN(3000)) * time.Microsecond
				}
				got := w.popDue(now, nil)
				var want, kept []dueEntry
				for _, e := range held {
					if e.due <= now {
						want = append(want, e)
					} else {
						kept = append(kept, e)
					}
				}
				held = kept
				if !slices.IsSortedFunc(got, func(a, b dueEntry) int { return int(a.due - b.due) }) {
					t.Fatalf("round %d step %d: popped out of due order: %v", round, step, got)
				}
				byGen := func(a, b dueEntry) int { return int(a.gen) - int(b.gen) }
				slices.SortFunc(got, byGen)
				slices.SortFunc(want, byGen)
				if !slices.Equal(got, want) {
					t.Fatalf("round %d step %d: at %v popped %v, want %v", round, step, now, got, want)
				}
			}
			if w.len() != len(held) {
				t.Fatalf("round %d step %d: len %d, holds %d", round, step, w.len(), len(held))
			}
			next := time.Duration(math.MaxInt64)
			for _, e := range held {
				next = min(next, e.due)
			}
			// Entries already due before the last pass wait for the next
			// tick: the earliest is then the one pushed late.
			if got := w.nextDue(); got != next {
				t.Fatalf("round %d step %d: nextDue %v, want %v", round, step, got, next)
			}
		}
		all := w.drain()
		if len(all) != len(held) || w.len() != 0 {
			t.Fatalf("round %d: drained %d, held %d", round, len(all), len(held))
		}
	}
}

// The wheel keeps a bounded number of spare arrays: a load that passes
// every slot in turn does not leave each slot's array behind.
func TestDueWheelSpares(t *testing.T) {
	var w dueWheel
	var now time.Duration
	for range 3 * wheelSlots {
		for range 50 {
			w.push(dueEntry{due: now + 50*time.Millisecond})
		}
		now += wheelTick
		w.popDue(now, nil)
	}
	arrays := 0
	for _, s := range w.slots {
		if s != nil {
			arrays++
		}
	}
	if arrays > 60 || len(w.spare) > spareSlots {
		t.Errorf("%d slot arrays and %d spares held for 50 ticks of entries", arrays, len(w.spare))
	}
}

// TestSortByDue: batches nearly in order (a few runs, a few entries out of
// place) and in none come out in due order, with the same entries.
func TestSortByDue(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 500 {
		n := rng.IntN(300)
		b := make([]dueEntry, n)
		for i := range b {
			b[i] = dueEntry{due: time.Duration(i * 10), gen: uint64(i)}
		}
		switch round % 3 {
		case 0: // a few out of place
			for range rng.IntN(5) {
				if n > 0 {
					b[rng.IntN(n)].due = time.Duration(rng.IntN(n * 10))
				}
			}
		case 1: // runs, each in order
			cut := rng.IntN(n + 1)
			b = append(b[cut:], b[:cut]...)
		default: // no order
			rng.Shuffle(n, func(i, j int) { b[i], b[j] = b[j], b[i] })
		}
		in := slices.Clone(b)
		sortByDue(b)
		if !slices.IsSortedFunc(b, func(x, y dueEntry) int { return int(x.due - y.due) }) {
			t.Fatalf("round %d: not in due order", round)
		}
		byGen := func(x, y dueEntry) int { return int(x.gen) - int(y.gen) }
		slices.SortFunc(in, byGen)
		out := slices.Clone(b)
		slices.SortFunc(out, byGen)
		if !slices.Equal(in, out) {
			t.Fatalf("round %d: the entries changed", round)
		}
	}
}

// BenchmarkSortPass sorts a batch as a pass gets it under load: 120
// entries in due order, the last three put in late and due earlier (new
// streams, about 2.5 a millisecond as the load ramps up), with sortByDue
// and with slices.SortFunc.
func BenchmarkSortPass(b *testing.B) {
	batch := make([]dueEntry, 120)
	for i := range batch {
		batch[i] = dueEntry{due: time.Duration(i) * 5 * time.Microsecond}
	}
	for i := 117; i < 120; i++ {
		batch[i].due = time.Duration(i-117) * 200 * time.Microsecond
	}
	work := make([]dueEntry, len(batch))
	for _, bc := range []struct {
		name string
		sort func([]dueEntry)
	}{
		{"sortByDue", sortByDue},
		{"SortFunc", func(b []dueEntry) {
			slices.SortFunc(b, func(x, y dueEntry) int { return int(x.due - y.due) })
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				copy(work, batch)
				bc.sort(work)
			}
		})
	}
}
