package replayer

import "time"

// close ends the stream cleanly after N events, after N bytes, or at a time.
// A cut point past the end of the stream (more events or bytes than it has,
// a time after its last chunk) acts at its end: the stream ends there, by
// that time for at=.
func init() {
	registerCut("close", cutKeys, func(p *Plan, c cutPoint, _ time.Duration, _ bool) {
		before, after, when := c.split(p)
		switch {
		case after != nil:
			p.Chunks, p.EndDue, p.Reset = before, when, false
		case c.kind == "at":
			p.EndDue, p.Reset = min(p.EndDue, when), false
		}
	})
}
