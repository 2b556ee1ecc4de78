package httpfront

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIdleConns checks the list against a set over random adds and
// removes, some of a conn already in (or out of) it.
func TestIdleConns(t *testing.T) {
	conns := make([]*conn, 20)
	for i := range conns {
		conns[i] = &conn{}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		var l idleConns
		want := map[*conn]bool{}
		for range 200 {
			fc := conns[rng.IntN(len(conns))]
			if rng.IntN(2) == 0 {
				l.add(fc)
				want[fc] = true
			} else {
				l.remove(fc)
				delete(want, fc)
			}
		}
		var got []*conn
		for fc := l.first; fc != nil; fc = fc.idle.next {
			if n := fc.idle.next; n != nil && n.idle.prev != fc {
				t.Fatalf("round %d: a conn's next does not point back to it", round)
			}
			got = append(got, fc)
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: the list holds %d conns, want %d", round, len(got), len(want))
		}
		for _, fc := range got {
			if !want[fc] || !fc.idle.in {
				t.Fatalf("round %d: the list holds a conn it should not", round)
			}
		}
		all := l.takeAll()
		if l.first != nil || len(all) != len(want) || slices.ContainsFunc(all, func(fc *conn) bool { return fc.idle.in }) {
			t.Fatalf("round %d: takeAll left %v, gave %d conns, want %d, all out of the list", round, l.first, len(all), len(want))
		}
	}
}
