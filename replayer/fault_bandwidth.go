package replayer

import (
	"fmt"
	"time"
)

// bandwidth trickles the body at bps bytes per second.
func init() {
	registerFault("bandwidth", []string{"bps"}, func(params map[string]string) (fault, error) {
		bps, ok, err := intParam(params, "bps", 1)
		if err == nil && !ok {
			err = fmt.Errorf("give bps=N (bytes per second)")
		}
		if err != nil {
			return nil, err
		}
		return funcFault{ph: phaseFraming, fn: func(p *Plan, _ *faultContext) error {
			if !p.Stream {
				return nil
			}
			step := max(1, bps/50) // a write every 20 ms at most
			var out []Chunk
			t := p.HeadersDue
			for _, c := range p.Chunks {
				t = max(t, c.Due)
				for data := c.Data; len(data) > 0; {
					n := min(step, len(data))
					out = append(out, Chunk{Due: t, Data: data[:n]})
					data = data[n:]
					t += time.Duration(int64(n) * int64(time.Second) / int64(bps))
				}
			}
			p.Chunks = out
			p.EndDue = max(p.EndDue, t)
			return nil
		}}, nil
	})
}
