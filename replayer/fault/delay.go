package fault

import (
	"fmt"
	"time"
)

// delayFault holds everything, the status line included, for headers=D,
// then sends everything as planned, D later.
type delayFault struct{ by time.Duration }

func init() {
	register("delay", []string{"headers"}, func(ps params) (fault, error) {
		d, ok, err := ps.dur("headers")
		if err == nil && !ok {
			err = fmt.Errorf("give headers=D")
		}
		return delayFault{d}, err
	})
}

func (delayFault) phase() phase { return phaseTiming }

func (f delayFault) apply(p *Plan, _ *state) error {
	p.HeadersDue += f.by
	chunks := make([]Chunk, len(p.Chunks))
	for i, c := range p.Chunks {
		c.Due += f.by
		chunks[i] = c
	}
	p.Chunks = chunks
	if p.EndDue != Forever {
		p.EndDue += f.by
	}
	return nil
}
