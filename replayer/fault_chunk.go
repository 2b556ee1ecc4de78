package replayer

import (
	"fmt"
)

// chunk cuts the same bytes differently: size=N bytes per write, a cut
// inside every CRLF or UTF-8 character, or everything in one write; gap=D
// spaces the writes, so that a client surely reads them apart.
func init() {
	registerFault("chunk", []string{"size", "split", "coalesce", "gap"}, func(params map[string]string) (fault, error) {
		which, err := onlyOne(params, false, "size", "split", "coalesce")
		if err != nil {
			return nil, err
		}
		size, _, err := intParam(params, "size", 1)
		if err != nil {
			return nil, err
		}
		gap, _, err := durParam(params, "gap")
		if err != nil {
			return nil, err
		}
		split := params["split"]
		if which == "split" && split != "crlf" && split != "utf8" {
			return nil, fmt.Errorf("split=%s: want crlf or utf8", split)
		}
		return funcFault{ph: phaseFraming, fn: func(p *Plan, _ *faultContext) error {
			if !p.Stream || len(p.Chunks) == 0 {
				return nil
			}
			var out []Chunk
			switch which {
			case "coalesce":
				last := p.Chunks[len(p.Chunks)-1].Due
				out = []Chunk{{Due: last, Data: joinBody(p.Chunks)}}
			case "size":
				for _, c := range p.Chunks {
					for len(c.Data) > size {
						out = append(out, Chunk{Due: c.Due, Data: c.Data[:size]})
						c.Data = c.Data[size:]
					}
					out = append(out, Chunk{Due: c.Due, Data: c.Data})
				}
			case "split":
				for _, c := range p.Chunks {
					for _, part := range splitInside(c.Data, split) {
						out = append(out, Chunk{Due: c.Due, Data: part})
					}
				}
			}
			if gap > 0 { // space the pieces of each recorded chunk
				for i := 1; i < len(out); i++ {
					out[i].Due = max(out[i].Due, out[i-1].Due+gap)
				}
				p.EndDue = max(p.EndDue, out[len(out)-1].Due)
			}
			p.Chunks = out
			return nil
		}}, nil
	})
}
