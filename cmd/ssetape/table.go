package main

import (
	"io"
	"strings"

	"github.com/fatih/color"
)

// cell is a table cell: its text, and a colour for it (nil for none).
type cell struct {
	text string
	c    *color.Color
}

// table lays out rows in columns, measuring the plain text (colours are
// added after padding, so escape codes never count as width).
type table struct {
	right []bool
	rows  [][]cell
	// widths, once set, are the column widths of the rows already
	// written: later rows are written as they come (push).
	widths []int
}

// settle is how many rows set the column widths before rows are written
// as they come.
const settle = 256

// push adds a row, writing out the table so far once it has settle rows,
// and every row after that at once.
func (t *table) push(w io.Writer, cells []cell) error {
	t.rows = append(t.rows, cells)
	if t.widths == nil && len(t.rows) < settle {
		return nil
	}
	return t.flush(w)
}

// flush writes the rows not written yet.
func (t *table) flush(w io.Writer) error {
	err := t.write(w)
	t.rows = t.rows[:0]
	return err
}

func (t *table) add(c *color.Color, headers ...string) {
	var cells []cell
	for _, h := range headers {
		cells = append(cells, cell{text: h, c: c})
	}
	t.rows = append(t.rows, cells)
}

func (t *table) write(w io.Writer) error {
	if t.widths == nil {
		t.widths = make([]int, len(t.right))
		for _, r := range t.rows {
			for i, c := range r {
				t.widths[i] = max(t.widths[i], displayWidth(c.text))
			}
		}
	}
	widths := t.widths
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			last := i == len(r)-1
			pad := strings.Repeat(" ", max(0, widths[i]-displayWidth(c.text)))
			text := c.text
			if c.c != nil {
				text = c.c.Sprint(text)
			}
			switch {
			case t.right[i]:
				b.WriteString(pad + text)
			case last:
				b.WriteString(text)
			default:
				b.WriteString(text + pad)
			}
			if !last {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth counts columns: East Asian wide characters take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x1100 && (r <= 0x115F || (r >= 0x2E80 && r <= 0xA4CF) || (r >= 0xAC00 && r <= 0xD7A3) ||
			(r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFE30 && r <= 0xFE4F) || (r >= 0xFF00 && r <= 0xFF60) ||
			(r >= 0xFFE0 && r <= 0xFFE6) || (r >= 0x1F300 && r <= 0x1FAFF) || (r >= 0x20000 && r <= 0x3FFFD)) {
			n++
		}
	}
	return n
}
