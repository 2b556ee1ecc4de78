package replayer

import (
	"time"
)

// reset ends the stream with a TCP reset at the cut point; past the end of
// the stream, it resets instead of ending cleanly.
func init() {
	registerCut("reset", cutKeys, func(p *Plan, c cutPoint, _ time.Duration, _ bool) {
		before, after, when := c.split(p)
		if after != nil || c.kind == "at" {
			p.Chunks, p.EndDue = before, min(p.EndDue, when)
			if after != nil {
				p.EndDue = when
			}
		}
		p.Reset = true
	})
}
