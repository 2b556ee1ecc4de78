package replayer

import (
	"fmt"
	"github.com/ssetape/ssetape/sse"
)

// eol rewrites every line ending.
func init() {
	registerFault("eol", []string{"to"}, func(params map[string]string) (fault, error) {
		to, ok := sse.ParseLineEnding(params["to"])
		if !ok {
			return nil, fmt.Errorf("to=%s: want lf, crlf or cr", params["to"])
		}
		return funcFault{ph: phaseFraming, fn: func(p *Plan, _ *faultContext) error {
			if p.Stream {
				p.Chunks = rewriteEOL(p.Chunks, to.Bytes())
			}
			return nil
		}}, nil
	})
}
