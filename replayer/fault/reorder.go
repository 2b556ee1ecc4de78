package fault

// reorderFault swaps event N with event N+1.
type reorderFault struct{ event int }

func init() {
	register("reorder", []string{"event"}, func(ps params) (fault, error) {
		n, err := ps.eventNumber()
		return reorderFault{n}, err
	})
}

func (reorderFault) phase() phase { return phaseEvents }

func (f reorderFault) apply(_ *Plan, x *state) error {
	x.ed.swapNext(f.event)
	return nil
}
