package sse

import "unicode/utf8"

// isUTF8 reports whether b is valid UTF-8 (fast path for the common case).
func isUTF8(b []byte) bool { return utf8.Valid(b) }

// appendUTF8 appends b to dst, decoded with the WHATWG UTF-8 decoder: each
// maximal subpart of an ill-formed sequence becomes one U+FFFD. This differs
// from utf8.DecodeRune (one U+FFFD per byte of a truncated sequence) and from
// bytes.ToValidUTF8 (one U+FFFD per run of bad bytes).
func appendUTF8(dst, b []byte) []byte {
	if utf8.Valid(b) {
		return append(dst, b...)
	}
	const repl = "\uFFFD"
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			dst = append(dst, c)
			i++
			continue
		}
		need, lo, hi := 0, byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c >= 0xE0 && c <= 0xEF:
			need = 2
			if c == 0xE0 {
				lo = 0xA0
			} else if c == 0xED {
				hi = 0x9F
			}
		case c >= 0xF0 && c <= 0xF4:
			need = 3
			if c == 0xF0 {
				lo = 0x90
			} else if c == 0xF4 {
				hi = 0x8F
			}
		default:
			dst = append(dst, repl...)
			i++
			continue
		}
		j := i + 1
		for ; need > 0; need-- {
			if j >= len(b) || b[j] < lo || b[j] > hi {
				break
			}
			lo, hi = 0x80, 0xBF
			j++
		}
		if need > 0 {
			// A truncated sequence: one U+FFFD for the whole prefix; the
			// byte that broke it is processed again.
			dst = append(dst, repl...)
		} else {
			dst = append(dst, b[i:j]...)
		}
		i = j
	}
	return dst
}
