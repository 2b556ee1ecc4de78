package replayer

import (
	"math/rand/v2"
	"testing"
)

// TestOpenStreamsRegistry checks the registry against a map over random
// opens and ends, some of a stream that already ended: it lists exactly
// the open streams, finds each by id and no ended one, and reuses the
// slots of ended streams, so that it never holds more slots than streams
// were open at once.
func TestOpenStreamsRegistry(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var reg openStreams
	want := map[uint64]*openStream{}
	var all []*openStream
	peak := 0
	for i := range 3000 {
		if rng.IntN(3) > 0 || len(all) == 0 {
			o := &openStream{id: uint64(i + 1), slot: -1}
			reg.add(o)
			want[o.id] = o
			all = append(all, o)
			peak = max(peak, len(want))
		} else {
			o := all[rng.IntN(len(all))]
			reg.remove(o)
			delete(want, o.id)
		}
		if i%100 != 0 {
			continue
		}
		open := reg.open()
		if len(open) != len(want) {
			t.Fatalf("step %d: %d streams listed, want %d", i, len(open), len(want))
		}
		for _, o := range open {
			if want[o.id] != o {
				t.Fatalf("step %d: stream %d listed, but it ended", i, o.id)
			}
		}
		for _, o := range all {
			if got := reg.byID(o.id); got != want[o.id] {
				t.Fatalf("step %d: byID(%d) = %v, want %v", i, o.id, got, want[o.id])
			}
		}
	}
	if len(reg.slots) > peak {
		t.Errorf("%d slots for at most %d open streams: ended streams' slots are not reused", len(reg.slots), peak)
	}
}
