package assert

import (
	"bytes"
	"mime"
	"strings"

	"github.com/ssetape/ssetape/sse"
)

// The generic checks (docs/contracts.md, "Generic checks"), for a stream no preset matches.
// SSE-4 and SSE-6 are judged from the events (the Generic contract);
// SSE-1, SSE-2, SSE-3 and SSE-5 need the response and the raw body
// (CheckRaw).
var (
	sse1 = Rule{"SSE-1", Error, "the response is 200 with Content-Type text/event-stream (a charset allowed)"}
	sse2 = Rule{"SSE-2", Error, "every frame ends with a blank line: an unterminated last frame means truncation"}
	sse3 = Rule{"SSE-3", Warning, "one line ending throughout the stream (lint)"}
	sse4 = Rule{"SSE-4", Error, "ids hold no NUL, are unique, and increase where they are numbers"}
	sse5 = Rule{"SSE-5", Error, "retry is a whole number of milliseconds"}
	sse6 = Rule{"SSE-6", Error, "each event's data is one JSON value, but for [DONE] and empty data"}
)

// Generic is the contract for a stream that matches no preset: SSE-4 and
// SSE-6 from its events (CheckRaw adds the rest).
var genericContract = &Contract{
	Name:  "generic SSE",
	New:   func() Checker { return &genericChecker{ids: newEventIDs(sse4, true)} },
	Rules: []Rule{sse1, sse2, sse3, sse4, sse5, sse6},
}

// genericChecker is SSE-4 and SSE-6, from the events.
type genericChecker struct {
	base
	ids *eventIDs
}

func (c *genericChecker) Event(e Event) {
	c.last = e
	c.n++
	c.ids.check(&c.base, e)
	if e.Data != "" && e.Data != "[DONE]" && !validJSON(e.Data) {
		c.add(sse6, e, "the data is not one JSON value")
	}
}

func (c *genericChecker) End() []Violation { return c.sorted() }

// CheckRaw runs the checks that need the response and the raw body: status
// and content type (SSE-1; status 0 and "" skip it), an unterminated last
// frame (SSE-2), mixed line endings (SSE-3), a retry that is not a whole
// number (SSE-5), and an id with NUL (SSE-4, which the events cannot show:
// such an id is ignored).
func CheckRaw(status int, contentType string, body []byte) []Violation {
	var out []Violation
	if contentType != "" || status != 0 {
		out = checkResponse(status, contentType)
	}
	var rc rawCheck
	d := sse.NewDecoder(bytes.NewReader(body))
	for {
		b, err := d.NextBlock()
		if err != nil {
			break
		}
		rc.block(b)
	}
	return append(out, rc.end()...)
}

// checkResponse is SSE-1: a 200 with Content-Type text/event-stream.
func checkResponse(status int, contentType string) []Violation {
	var out []Violation
	if status != 0 && status != 200 {
		out = append(out, rawViolation(sse1, 0, "status %d; an event stream is a 200", status))
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.EqualFold(mt, "text/event-stream") {
		out = append(out, rawViolation(sse1, 0, "Content-Type %q; expected text/event-stream", contentType))
	}
	return out
}

func rawViolation(r Rule, off int64, format string, a ...any) Violation {
	v := violation(r, Event{}, format, a...)
	v.Offset = off
	return v
}

// rawCheck is the raw-view checks (SSE-2 to SSE-5) over a stream's blocks,
// one block at a time.
type rawCheck struct {
	out     []Violation
	endings map[sse.LineEnding]int64 // the first offset of each line ending
}

func (rc *rawCheck) block(b sse.Block) {
	if !b.Terminated {
		rc.out = append(rc.out, rawViolation(sse2, b.Start, "the stream ends inside a frame (%d bytes without a blank line): truncated", b.End-b.Start))
	}
	if rc.endings == nil {
		rc.endings = map[sse.LineEnding]int64{}
	}
	for _, l := range b.Lines {
		if l.Ending != sse.NoLineEnding {
			if _, ok := rc.endings[l.Ending]; !ok {
				rc.endings[l.Ending] = l.Start
			}
		}
		switch {
		case l.Kind == sse.Retry && l.Ignored:
			rc.out = append(rc.out, rawViolation(sse5, l.Start, "retry: %q is not a whole number of milliseconds", excerpt(l.Value, 40)))
		case l.Kind == sse.ID && l.Ignored:
			rc.out = append(rc.out, rawViolation(sse4, l.Start, "an id holding NUL; clients ignore it"))
		}
	}
}

func (rc *rawCheck) end() []Violation {
	out := rc.out
	if len(rc.endings) > 1 {
		var names []string
		var second int64
		for _, e := range []sse.LineEnding{sse.LF, sse.CRLF, sse.CR} {
			if off, ok := rc.endings[e]; ok {
				names = append(names, e.String())
				second = max(second, off)
			}
		}
		out = append(out, rawViolation(sse3, second, "mixed line endings (%s)", strings.Join(names, ", ")))
	}
	return out
}
