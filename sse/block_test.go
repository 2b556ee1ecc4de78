package sse

import (
	"strings"
	"testing"
)

func TestTypeName(t *testing.T) {
	if got := TypeName(""); got != "message" {
		t.Errorf(`TypeName("") = %q, want "message"`, got)
	}
	if got := TypeName("delta"); got != "delta" {
		t.Errorf(`TypeName("delta") = %q`, got)
	}
}

func TestLineEndingsDominant(t *testing.T) {
	for _, c := range []struct {
		add  []LineEnding
		want LineEnding
	}{
		{nil, LF},
		{[]LineEnding{NoLineEnding, NoLineEnding}, LF},
		{[]LineEnding{CRLF}, CRLF},
		{[]LineEnding{CR, CR, LF}, CR},
		{[]LineEnding{CRLF, LF}, LF},      // a tie keeps LF
		{[]LineEnding{CRLF, CR}, CRLF},    // then CRLF before CR
		{[]LineEnding{CR, CRLF, CR}, CR},  // most wins
		{[]LineEnding{LineEnding(9)}, LF}, // out of range is ignored
	} {
		var n LineEndings
		for _, e := range c.add {
			n.Add(e)
		}
		if got := n.Dominant(); got != c.want {
			t.Errorf("%v: Dominant = %v, want %v", c.add, got, c.want)
		}
	}
}

// TestDispatchOffset checks, on every line ending and on an unterminated
// end, that the dispatch offset is the first byte of the blank line's line
// end: the byte whose arrival fires the event.
func TestDispatchOffset(t *testing.T) {
	for _, c := range []struct {
		body string
		want []int64
	}{
		{"data: a\n\n", []int64{8}},
		{"data: a\r\n\r\n", []int64{9}},
		{"data: a\r\rdata: b\r\r", []int64{8, 17}},
		{"data: a\n\ndata: b", []int64{8, 15}}, // the unterminated end: its last byte
		{": only a comment\n\n", []int64{17}},
	} {
		d := NewDecoder(strings.NewReader(c.body))
		var got []int64
		for {
			b, err := d.NextBlock()
			if err != nil {
				break
			}
			got = append(got, b.DispatchOffset())
			if b.Terminated && c.body[b.DispatchOffset()] != '\n' && c.body[b.DispatchOffset()] != '\r' {
				t.Errorf("%q: offset %d is not a line end", c.body, b.DispatchOffset())
			}
		}
		if len(got) != len(c.want) {
			t.Fatalf("%q: %d blocks, want %d", c.body, len(got), len(c.want))
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q block %d: DispatchOffset = %d, want %d", c.body, i, got[i], c.want[i])
			}
		}
	}
}
