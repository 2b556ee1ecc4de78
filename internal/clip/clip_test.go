package clip

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 5, "abcde…"},
		{"大阪大阪", 4, "大…"}, // 4 bytes fall inside the second character
		{"abc", 0, "…"},
		{"abc", -1, "…"},
	} {
		if got := String(c.in, c.n); got != c.want {
			t.Errorf("String(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func FuzzString(f *testing.F) {
	f.Add("大阪 résumé", 5)
	f.Fuzz(func(t *testing.T, s string, n int) {
		n %= 64
		got := String(s, n)
		if len(s) <= n && got != s {
			t.Fatalf("cut a string that fits: %q", got)
		}
		if len(s) > n {
			body := strings.TrimSuffix(got, "…")
			if len(body) > max(n, 0) || !strings.HasPrefix(s, body) {
				t.Fatalf("String(%q, %d) = %q", s, n, got)
			}
			if utf8.ValidString(s) && !utf8.ValidString(got) {
				t.Fatalf("cut inside a character: %q", got)
			}
		}
	})
}
