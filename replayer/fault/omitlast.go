package fault

// omitLastFault removes the final event (done, [DONE], message_stop).
type omitLastFault struct{}

func init() {
	register("omit-last", nil, func(params) (fault, error) { return omitLastFault{}, nil })
}

func (omitLastFault) phase() phase { return phaseEvents }

func (omitLastFault) apply(_ *Plan, x *state) error {
	x.ed.drop(len(x.ed.events))
	return nil
}
