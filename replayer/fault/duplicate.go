package fault

// duplicateFault sends events twice, the copy right after the original;
// events are named as drop names them.
type duplicateFault struct{ sel eventSelector }

func init() {
	register("duplicate", append(selectorKeys[:len(selectorKeys):len(selectorKeys)], "count"), func(ps params) (fault, error) {
		sel, err := parseEventSelector(ps, true)
		return duplicateFault{sel}, err
	})
}

func (duplicateFault) phase() phase { return phaseEvents }

func (f duplicateFault) apply(_ *Plan, x *state) error {
	for _, n := range f.sel.pick(x.ed.events) {
		x.ed.duplicate(n)
	}
	return nil
}
