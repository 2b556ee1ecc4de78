package synth

import (
	"unicode"
	"unicode/utf8"
)

// Tokens cuts text the way a model streams it: pieces of about four
// characters, at word boundaries (a piece starts with the space before its
// word, as real tokenizers' pieces do), a long word cut every four
// characters, and text without spaces (Chinese, Japanese) every two; never
// inside a UTF-8 character. The pieces join to the text.
func Tokens(text string) []string {
	var out []string
	start := 0 // the start of the piece being built
	runes := 0 // its characters, not counting the spaces it starts with
	limit := 4
	for i, r := range text {
		wide := isWide(r)
		// A piece ends before a space that follows a word, before a wide
		// character after a narrow one (and the other way), or when it is
		// full.
		cut := false
		switch {
		case i == start:
		case unicode.IsSpace(r) && !unicode.IsSpace(lastRune(text[start:i])):
			cut = true
		case wide != isWide(lastRune(text[start:i])):
			cut = true
		case runes >= limit:
			cut = true
		}
		if cut {
			out = append(out, text[start:i])
			start, runes = i, 0
		}
		limit = 4
		if wide {
			limit = 2
		}
		// The space a piece starts with is not one of its characters.
		if !(runes == 0 && unicode.IsSpace(r)) {
			runes++
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// isWide reports whether r is of a script written without spaces between
// words, whose tokens are a character or two.
func isWide(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) // CJK punctuation, full-width forms
}
