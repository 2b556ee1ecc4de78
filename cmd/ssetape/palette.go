package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fatih/color"
)

// palette is the one colour scheme of the commands' text output (inspect's
// timeline, assert's report, record's live view): colours only on a
// terminal and never with NO_COLOR (colorOn), the same colour for the same
// kind of event everywhere.
type palette struct {
	dim, bold, red, green, cyan, yellow, hi *color.Color
}

func newPalette(on bool) *palette {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return &palette{dim: mk(color.Faint), bold: mk(color.Bold), red: mk(color.FgRed), green: mk(color.FgGreen),
		cyan: mk(color.FgCyan), yellow: mk(color.FgYellow), hi: mk(color.FgMagenta)}
}

// typeColor colours an event type: errors red, ends green, tools cyan,
// thinking yellow, the rest magenta.
func (p *palette) typeColor(t string) *color.Color {
	switch {
	case t == "error" || strings.Contains(t, "error") || strings.HasSuffix(t, ".failed"):
		return p.red
	case t == "done" || t == "final_answer" || t == "message_stop" || t == "response.completed":
		return p.green
	case strings.HasPrefix(t, "tool"):
		return p.cyan
	case t == "thinking":
		return p.yellow
	}
	return p.hi
}

// excerpt shortens data to one printable line of at most n runes: line
// breaks shown as ⏎, other control characters as ·.
func excerpt(s string, n int) string {
	var b strings.Builder
	k := 0
	for _, r := range s {
		if k == n {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n':
			b.WriteRune('⏎')
		case r == '\t':
			b.WriteRune(' ')
		case r == utf8.RuneError || unicode.IsControl(r):
			b.WriteRune('·')
		default:
			b.WriteRune(r)
		}
		k++
	}
	return b.String()
}

// plural writes "1 event", "2 events".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
