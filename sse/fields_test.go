package sse

import (
	"math"
	"testing"
	"time"
)

// The field layer on its own: splitting at the first colon with one space
// removed, names compared literally, retry from ASCII digits only.
func TestFieldLayer(t *testing.T) {
	for _, c := range []struct{ line, name, value string }{
		{"data: x", "data", "x"}, {"data:  x", "data", " x"}, {"data:x:y", "data", "x:y"},
		{"data", "data", ""}, {"id:", "id", ""}, {": c", "", "c"},
	} {
		n, v, _ := splitField([]byte(c.line))
		if string(n) != c.name || string(v) != c.value {
			t.Errorf("splitField(%q) = %q, %q", c.line, n, v)
		}
	}
	for name, want := range map[string]LineKind{"data": Data, "event": EventType, "id": ID, "retry": Retry, "Data": Unknown, "data ": Unknown} {
		if got := fieldKind([]byte(name)); got != want {
			t.Errorf("fieldKind(%q) = %v", name, got)
		}
	}
	for in, want := range map[string]time.Duration{"0": 0, "007": 7 * time.Millisecond, "99999999999999999999999": time.Duration(math.MaxInt64)} {
		if got, ok := parseRetry([]byte(in)); !ok || got != want {
			t.Errorf("parseRetry(%q) = %v, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "-1", "+1", " 1", "1s", "١"} {
		if _, ok := parseRetry([]byte(bad)); ok {
			t.Errorf("parseRetry(%q) accepted", bad)
		}
	}
}
