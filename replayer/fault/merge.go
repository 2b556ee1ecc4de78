package fault

// mergeFault removes the blank line after event N, so events N and N+1
// arrive as one (their data joined with a line break, the later type
// winning).
type mergeFault struct{ event int }

func init() {
	register("merge", []string{"event"}, func(ps params) (fault, error) {
		n, err := ps.eventNumber()
		return mergeFault{n}, err
	})
}

func (mergeFault) phase() phase { return phaseEvents }

func (f mergeFault) apply(_ *Plan, x *state) error {
	x.ed.joinNext(f.event)
	return nil
}
