// Package asserttest checks streams against contracts in Go tests: a broken
// contract fails the test with the report.
package asserttest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/sse"
)

// Stream decodes a raw SSE body, checks it against the contract and fails
// the test (with every broken rule) when it breaks an error rule. Warnings
// are logged. It returns the report.
func Stream(t testing.TB, c *assert.Contract, body []byte) *assert.Report {
	t.Helper()
	d := sse.NewDecoder(bytes.NewReader(body))
	var events []assert.Event
	for {
		e, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("decoding the stream: %v", err)
		}
		events = append(events, assert.Event{N: len(events) + 1, Event: e})
	}
	return Events(t, c, events)
}

// Events checks decoded events; see Stream.
func Events(t testing.TB, c *assert.Contract, events []assert.Event) *assert.Report {
	t.Helper()
	r := assert.Check(c, t.Name(), events)
	var errs, warns []string
	for _, v := range r.Violations {
		line := fmt.Sprintf("%s %s at event %d (%s): %s  [%s]", v.Rule, v.Severity, v.Event, v.Type, v.Message, v.Excerpt)
		if v.Severity == assert.Error {
			errs = append(errs, line)
		} else {
			warns = append(warns, line)
		}
	}
	for _, w := range warns {
		t.Log(w)
	}
	if len(errs) > 0 {
		t.Errorf("the stream breaks the %s contract:\n%s", c.Name, strings.Join(errs, "\n"))
	}
	return r
}
