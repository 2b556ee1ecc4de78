package replayer

import (
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
		_ = q.forMatching(map[string]bool{"k": true})
	})
}
