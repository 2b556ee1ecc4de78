package fault

import "fmt"

// contentTypeFault sends the stream with another Content-Type, or none
// (value=).
type contentTypeFault struct{ value string }

func init() {
	register("content-type", []string{"value"}, func(ps params) (fault, error) {
		v, ok := ps["value"]
		if !ok {
			return nil, fmt.Errorf("give value=TEXT (value= for no Content-Type at all)")
		}
		return contentTypeFault{v}, nil
	})
}

func (contentTypeFault) phase() phase { return phaseResponse }

func (f contentTypeFault) apply(p *Plan, _ *state) error {
	if f.value == "" {
		p.Header.Del("Content-Type")
		p.NoContentType = true
	} else {
		p.Header.Set("Content-Type", f.value)
	}
	return nil
}
