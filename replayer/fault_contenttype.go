package replayer

import (
	"fmt"
)

// content-type sends the stream with another Content-Type, or none.
func init() {
	registerFault("content-type", []string{"value"}, func(params map[string]string) (fault, error) {
		v, ok := params["value"]
		if !ok {
			return nil, fmt.Errorf("give value=TEXT (value= for no Content-Type at all)")
		}
		return funcFault{ph: phaseResponse, fn: func(p *Plan, _ *faultContext) error {
			if v == "" {
				p.Header.Del("Content-Type")
				p.NoContentType = true
			} else {
				p.Header.Set("Content-Type", v)
			}
			return nil
		}}, nil
	})
}
