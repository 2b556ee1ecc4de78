package replayer

import (
	"fmt"
)

// chunk cuts the same bytes differently: size=N bytes per write, a cut
// inside every CRLF or UTF-8 character, or everything in one write.
func init() {
	registerFault("chunk", []string{"size", "split", "coalesce"}, func(params map[string]string) (fault, error) {
		which, err := onlyOne(params, false, "size", "split", "coalesce")
		if err != nil {
			return nil, err
		}
		size, _, err := intParam(params, "size", 1)
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
			p.Chunks = out
			return nil
		}}, nil
	})
}
