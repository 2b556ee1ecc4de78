package fault

// closeFault ends the stream cleanly (the end of the chunked body, then the
// connection closes) after N events, after N bytes, or at a time. A cut
// point past the end of the stream acts at its end: the stream ends there,
// by that time for at=.
type closeFault struct{ cut cutPoint }

func init() {
	register("close", cutKeys, func(ps params) (fault, error) {
		c, err := parseCut(ps)
		return closeFault{c}, err
	})
}

func (closeFault) phase() phase { return phaseCut }

func (f closeFault) apply(p *Plan, _ *state) error {
	if !p.Stream {
		return nil
	}
	before, after, when := f.cut.split(p)
	switch {
	case after != nil:
		p.Chunks, p.EndDue, p.Reset = before, when, false
	case f.cut.kind == "at":
		p.EndDue, p.Reset = min(p.EndDue, when), false
	}
	return nil
}
