package httpfront

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestIdleConns checks the lists against a model over random adds,
// removes and expiries, some of a conn already in (or out of) them: each
// list holds its conns in the order they were added, linked both ways, and
// expire times out exactly the waits due by then, each once.
func TestIdleConns(t *testing.T) {
	conns := make([]*conn, 20)
	for i := range conns {
		conns[i] = &conn{}
	}
	type entry struct {
		kind  waitKind
		until time.Duration
		swept bool
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		var l idleConns
		want := map[*conn]entry{}
		var order [waitKinds][]*conn // the model: each list's conns, first first
		drop := func(fc *conn) {
			e, ok := want[fc]
			if !ok {
				return
			}
			order[e.kind] = slices.DeleteFunc(order[e.kind], func(x *conn) bool { return x == fc })
			delete(want, fc)
		}
		now := time.Duration(0)
		for range 300 {
			now += time.Duration(rng.IntN(10))
			fc := conns[rng.IntN(len(conns))]
			switch rng.IntN(5) {
			case 0, 1:
				kind := waitKind(rng.IntN(int(waitKinds)))
				until := never
				if kind != waitUntimed {
					until = now + 20*time.Duration(kind) // one timeout a kind, as the server's
				}
				if _, in := want[fc]; !in {
					want[fc] = entry{kind: kind, until: until}
					order[kind] = append(order[kind], fc)
				}
				l.add(fc, kind, until)
			case 2, 3:
				swept := l.remove(fc)
				if e, in := want[fc]; swept != (in && e.swept) {
					t.Fatalf("round %d: remove said swept %v, want %v", round, swept, in && e.swept)
				}
				drop(fc)
			case 4:
				var got []*conn
				next := l.expire(now, func(fc *conn) { got = append(got, fc) })
				var due []*conn
				wantNext := never
				for kind := waitHeader; kind < waitKinds; kind++ {
					for _, fc := range order[kind] {
						if want[fc].until <= now {
							due = append(due, fc)
						} else {
							wantNext = min(wantNext, want[fc].until)
						}
					}
				}
				if !slices.Equal(got, due) || next != wantNext {
					t.Fatalf("round %d: expire at %v timed out %d conns and said next %v; want %d, next %v", round, now, len(got), next, len(due), wantNext)
				}
				for _, fc := range due {
					drop(fc)
					want[fc] = entry{kind: waitUntimed, until: never, swept: true}
					order[waitUntimed] = append(order[waitUntimed], fc)
				}
			}
		}
		for kind := range waitKinds {
			var got []*conn
			var prev *conn
			for fc := l.lists[kind].first; fc != nil; fc = fc.idle.next {
				if fc.idle.prev != prev || !fc.idle.in || fc.idle.kind != kind {
					t.Fatalf("round %d: list %d is not linked both ways, or holds a conn of another", round, kind)
				}
				got = append(got, fc)
				prev = fc
			}
			if l.lists[kind].last != prev {
				t.Fatalf("round %d: list %d's last is not its last conn", round, kind)
			}
			if !slices.Equal(got, order[kind]) {
				t.Fatalf("round %d: list %d holds %d conns, want %d in the order they came", round, kind, len(got), len(order[kind]))
			}
		}
		all := l.takeAll()
		if len(all) != len(want) || slices.ContainsFunc(all, func(fc *conn) bool { return fc.idle.in }) {
			t.Fatalf("round %d: takeAll gave %d conns, want %d, all out of the lists", round, len(all), len(want))
		}
		for kind := range waitKinds {
			if l.lists[kind] != (connList{}) {
				t.Fatalf("round %d: takeAll left list %d", round, kind)
			}
		}
	}
}
