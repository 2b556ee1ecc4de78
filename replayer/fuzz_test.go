package replayer

import (
	"reflect"
	"strings"
	"testing"
)

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "ssetape_fault=close:after=1%3Bdrop:event=2", "a;b", "%zz", "=&&=x", "k=REDACTED"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseQuery(s)
		if err != nil {
			if !strings.Contains(s, ";") && !strings.Contains(s, "%") {
				t.Fatalf("%q refused: %v", s, err)
			}
			return
		}
		_ = q.String()
		red := map[string]bool{"k": true}
		rec := q.forMatching(red)
		// matches agrees with comparing the filtered query, for the query
		// itself and for one with a parameter more or changed.
		if !q.matches(rec, red) {
			t.Fatalf("%q does not match itself", s)
		}
		other := query{"extra": {"1"}}
		for k, v := range q {
			other[k] = v
		}
		want := reflect.DeepEqual(map[string][]string(other.forMatching(red)), map[string][]string(rec))
		if got := other.matches(rec, red); got != want {
			t.Fatalf("%q with extra=1: matches %v, the filtered comparison %v", s, got, want)
		}
	})
}
