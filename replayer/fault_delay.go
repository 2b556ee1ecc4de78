package replayer

import (
	"fmt"
)

// delay holds everything, the status line included, for headers=D.
func init() {
	registerFault("delay", []string{"headers"}, func(params map[string]string) (fault, error) {
		d, ok, err := durParam(params, "headers")
		if err == nil && !ok {
			err = fmt.Errorf("give headers=D")
		}
		return funcFault{ph: phaseTiming, fn: func(p *Plan, _ *faultContext) error {
			p.HeadersDue += d
			for i := range p.Chunks {
				p.Chunks[i].Due += d
			}
			if p.EndDue != forever {
				p.EndDue += d
			}
			return nil
		}}, err
	})
}
