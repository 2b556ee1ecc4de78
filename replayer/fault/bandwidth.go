package fault

import (
	"fmt"
	"time"
)

// bandwidthFault trickles the body at bps bytes per second, in writes at
// most 20 ms apart, never earlier than planned.
type bandwidthFault struct{ bps int }

func init() {
	register("bandwidth", []string{"bps"}, func(ps params) (fault, error) {
		bps, ok, err := ps.int("bps", 1)
		if err == nil && !ok {
			err = fmt.Errorf("give bps=N (bytes per second)")
		}
		return bandwidthFault{bps}, err
	})
}

func (bandwidthFault) phase() phase { return phaseFraming }

func (f bandwidthFault) apply(p *Plan, x *state) error {
	if !p.Stream {
		return nil
	}
	step := max(1, f.bps/50) // a write every 20 ms at most
	n := int64(0)
	for _, c := range p.Chunks {
		n += max(1, (int64(len(c.Data))+int64(step)-1)/int64(step))
	}
	if err := x.budget.checkChunks(n); err != nil {
		return err
	}
	out := make([]Chunk, 0, n)
	t := p.HeadersDue
	for _, c := range p.Chunks {
		t = max(t, c.Due)
		pause := c.Pause
		if len(c.Data) == 0 {
			out = append(out, Chunk{Due: t, Pause: pause})
		}
		for data := c.Data; len(data) > 0; {
			k := min(step, len(data))
			out = append(out, Chunk{Due: t, Data: data[:k:k], Pause: pause})
			data, pause = data[k:], NoPause
			t += time.Duration(int64(k) * int64(time.Second) / int64(f.bps))
		}
	}
	p.Chunks = out
	if p.EndDue != Forever {
		p.EndDue = max(p.EndDue, t)
	}
	return nil
}
