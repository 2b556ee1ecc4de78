package fault

import "time"

// cutPoint is where close, reset and stall act: after N events (as sent,
// after the event faults), after N bytes of the body, or at a time.
type cutPoint struct {
	kind  string // after, bytes or at
	after int
	bytes int
	at    time.Duration
}

// cutKeys are the keys of a cut point.
var cutKeys = []string{"after", "bytes", "at"}

func parseCut(ps params) (cutPoint, error) {
	var c cutPoint
	which, err := ps.onlyOne(false, cutKeys...)
	if err != nil {
		return c, err
	}
	c.kind = which
	switch which {
	case "after":
		c.after, _, err = ps.int("after", 0)
	case "bytes":
		c.bytes, _, err = ps.int("bytes", 0)
	case "at":
		c.at, _, err = ps.dur("at")
	}
	return c, err
}

// split divides the plan's chunks at the cut point: what is sent before,
// what would have come after (nil when the point is at or past the end), and
// when the cut happens.
func (c cutPoint) split(p *Plan) (before, after []Chunk, when time.Duration) {
	if c.kind == "at" {
		for i, ch := range p.Chunks {
			if ch.Due > c.at {
				return p.Chunks[:i:i], p.Chunks[i:], max(c.at, p.HeadersDue)
			}
		}
		return p.Chunks, nil, max(c.at, p.HeadersDue)
	}
	off := int64(c.bytes)
	if c.kind == "after" {
		off = 0
		if c.after > 0 {
			off = eventEnd(p.Chunks, c.after)
			if off < 0 { // fewer events than that: nothing is cut
				return p.Chunks, nil, p.EndDue
			}
		}
	}
	before, after = splitAt(p.Chunks, off)
	if len(after) == 0 {
		return p.Chunks, nil, p.EndDue
	}
	when = p.HeadersDue
	if len(before) > 0 {
		when = before[len(before)-1].Due
	}
	return before, after, when
}

// eventEnd is the body offset just after event n's dispatching blank line
// (n from 1), or -1 when the chunks hold fewer events.
func eventEnd(chunks []Chunk, n int) int64 {
	seen := 0
	for _, b := range blockBounds(chunks) {
		if b.Dispatched {
			if seen++; seen == n {
				return b.End
			}
		}
	}
	return -1
}
