package fault

// resetFault ends the stream with a TCP reset at the cut point; past the end
// of the stream, it resets instead of ending cleanly.
type resetFault struct{ cut cutPoint }

func init() {
	register("reset", cutKeys, func(ps params) (fault, error) {
		c, err := parseCut(ps)
		return resetFault{c}, err
	})
}

func (resetFault) phase() phase { return phaseCut }

func (f resetFault) apply(p *Plan, _ *state) error {
	if !p.Stream {
		return nil
	}
	before, after, when := f.cut.split(p)
	if after != nil || f.cut.kind == "at" {
		p.Chunks, p.EndDue = before, min(p.EndDue, when)
		if after != nil {
			p.EndDue = when
		}
	}
	p.Reset = true
	return nil
}
