package sse

import (
	"io"
	"strings"
	"testing"
)

// The event layer on its own: a blank line dispatches what has data (an
// id-only block still sets the last event id), and the end of the input
// discards an unfinished block.
func TestEventLayer(t *testing.T) {
	d := NewDecoder(strings.NewReader("id: 7\n\ndata: x\n\nevent: e\ndata: cut"))
	e, err := d.Next()
	if err != nil || e.Data != "x" || e.LastEventID != "7" || e.Type != "" {
		t.Fatalf("first event %+v, %v", e, err)
	}
	if _, err := d.Next(); err != io.EOF || !d.Discarded() || d.LastEventID() != "7" {
		t.Errorf("at the end: %v, discarded %v, id %q", err, d.Discarded(), d.LastEventID())
	}
	d = NewDecoder(strings.NewReader("event: e\n\ndata: y\n\n"))
	if e, _ := d.Next(); e.Type != "" || e.Data != "y" {
		t.Errorf("the type of a block without data must not carry over: %+v", e)
	}
}
