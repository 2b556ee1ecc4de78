package fault

import (
	"fmt"

	"github.com/ssetape/ssetape/internal/clip"

	"github.com/ssetape/ssetape/sse"
)

// eolFault rewrites every line ending (CRLF, LF or CR, also a CRLF split
// between two chunks) to one of them, chunk by chunk.
type eolFault struct{ to sse.LineEnding }

func init() {
	register("eol", []string{"to"}, func(ps params) (fault, error) {
		to, ok := sse.ParseLineEnding(ps["to"])
		if !ok {
			return nil, fmt.Errorf("to=%s: want lf, crlf or cr", clip.String(ps["to"], 40))
		}
		return eolFault{to}, nil
	})
}

func (eolFault) phase() phase { return phaseFraming }

func (f eolFault) apply(p *Plan, _ *state) error {
	if !p.Stream {
		return nil
	}
	eol := f.to.Bytes()
	out := make([]Chunk, 0, len(p.Chunks))
	afterCR := false
	for _, c := range p.Chunks {
		b := make([]byte, 0, len(c.Data)+len(c.Data)/8)
		for _, x := range c.Data {
			switch {
			case x == '\n' && afterCR:
				afterCR = false
			case x == '\r':
				b = append(b, eol...)
				afterCR = true
			case x == '\n':
				b = append(b, eol...)
			default:
				b = append(b, x)
				afterCR = false
			}
		}
		out = append(out, Chunk{Due: c.Due, Data: b, Pause: c.Pause})
	}
	p.Chunks = out
	return nil
}
