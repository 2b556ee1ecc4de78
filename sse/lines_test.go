package sse

import (
	"strings"
	"testing"
)

// The line layer on its own: line ends found in the buffer (CRLF as one, a
// CR at the very end of what was read as a complete line end, as a client
// must not wait), and the byte scan that remembers the next LF or CR.
func TestLineLayer(t *testing.T) {
	d := NewDecoder(strings.NewReader("a\r\nb\rc\n\r\nd\r"))
	if err := d.fill(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for d.pos < len(d.buf) {
		e, n := d.lineEnd()
		if e < 0 {
			break
		}
		got = append(got, string(d.buf[d.pos:e])+"|"+[]string{"", "1", "2"}[n])
		d.pos = e + n
	}
	if strings.Join(got, " ") != "a|2 b|1 c|1 |2 d|1" {
		t.Errorf("lines %q", got)
	}
	s := byteScan{c: '\n', at: -1}
	buf := []byte("ab\ncd\n")
	if s.find(buf, 0) != 2 || s.find(buf, 3) != 5 || s.find(buf, 6) != -1 {
		t.Errorf("byteScan: %+v", s)
	}
}
