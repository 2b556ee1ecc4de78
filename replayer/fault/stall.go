package fault

import "time"

// stallFault sends nothing more after the cut point, keeping the connection
// open: for=D, then the rest, D later; without for, forever (also past the
// end), a pause point that is never released.
type stallFault struct {
	cut    cutPoint
	wait   time.Duration
	hasFor bool
}

func init() {
	register("stall", append(cutKeys[:len(cutKeys):len(cutKeys)], "for"), func(ps params) (fault, error) {
		c, err := parseCut(ps)
		if err != nil {
			return nil, err
		}
		d, hasFor, err := ps.dur("for")
		return stallFault{cut: c, wait: d, hasFor: hasFor}, err
	})
}

func (stallFault) phase() phase { return phaseCut }

func (f stallFault) apply(p *Plan, _ *state) error {
	if !p.Stream {
		return nil
	}
	before, after, when := f.cut.split(p)
	if !f.hasFor {
		due := p.HeadersDue
		if n := len(before); n > 0 {
			due = before[n-1].Due
		}
		p.Chunks = append(before[:len(before):len(before)], Chunk{Due: due, Pause: Stall})
		p.EndDue, p.Reset = Forever, false
		return nil
	}
	shifted := make([]Chunk, len(after))
	for i, c := range after {
		c.Due = max(c.Due, when) + f.wait
		shifted[i] = c
	}
	p.Chunks = append(before[:len(before):len(before)], shifted...)
	p.EndDue = max(p.EndDue, when) + f.wait
	return nil
}
