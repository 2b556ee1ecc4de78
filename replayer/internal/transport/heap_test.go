package transport

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The scheduler's heap gives streams back in due order, whatever order
// they went in and however pushes and pops interleave.
func TestStreamHeapOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var h streamHeap
		var want []time.Duration
		var got []time.Duration
		for range rng.IntN(300) {
			if len(h) > 0 && rng.IntN(3) == 0 {
				e := h.pop()
				slices.Sort(want)
				if e.due != want[0] {
					t.Fatalf("round %d: popped %v, smallest is %v", round, e.due, want[0])
				}
				want = want[1:]
				continue
			}
			d := time.Duration(rng.IntN(50)) * time.Millisecond // ties on purpose
			h.push(heapEntry{due: d})
			want = append(want, d)
		}
		for len(h) > 0 {
			got = append(got, h.pop().due)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: drained %v, want %v", round, got, want)
		}
	}
}
