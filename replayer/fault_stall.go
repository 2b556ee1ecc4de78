package replayer

import (
	"time"
)

// stall sends nothing more after the cut point, keeping the connection
// open: for=D, then the rest; without for, forever (also past the end).
func init() {
	registerCut("stall", append(cutKeys, "for"), func(p *Plan, c cutPoint, d time.Duration, hasFor bool) {
		before, after, when := c.split(p)
		if !hasFor {
			p.Chunks, p.EndDue, p.Reset = before, forever, false
			return
		}
		for i := range after {
			after[i].Due = max(after[i].Due, when) + d
		}
		p.Chunks = append(before, after...)
		p.EndDue = max(p.EndDue, when) + d
	})
}
