// Package clip cuts text that came from a request or a file before it goes
// into a log line or an error answer, which a request must not be able to
// fill.
package clip

// String returns s cut to at most n bytes, at a character boundary, with
// "…" when it was cut.
func String(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < 0 {
		n = 0
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
