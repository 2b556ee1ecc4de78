package fault

// truncateFault cuts the stream in the middle of event N's data line, then
// ends it cleanly: the client gets half a line and an unterminated block.
type truncateFault struct{ event int }

func init() {
	register("truncate", []string{"event"}, func(ps params) (fault, error) {
		n, err := ps.eventNumber()
		return truncateFault{n}, err
	})
}

func (truncateFault) phase() phase { return phaseEvents }

func (f truncateFault) apply(_ *Plan, x *state) error {
	x.ed.cutAt(f.event)
	return nil
}
