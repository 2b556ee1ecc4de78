package fault

// dropFault removes events: event=N (count=K from N, default 1), or the
// first count=K of type=T or with data=TEXT (default all).
type dropFault struct{ sel eventSelector }

func init() {
	register("drop", append(selectorKeys[:len(selectorKeys):len(selectorKeys)], "count"), func(ps params) (fault, error) {
		sel, err := parseEventSelector(ps, true)
		return dropFault{sel}, err
	})
}

func (dropFault) phase() phase { return phaseEvents }

func (f dropFault) apply(_ *Plan, x *state) error {
	for _, n := range f.sel.pick(x.ed.events) {
		x.ed.drop(n)
	}
	return nil
}
