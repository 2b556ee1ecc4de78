package fault

import (
	"fmt"
	"slices"

	"github.com/ssetape/ssetape/internal/clip"
)

// corruptFault breaks one event's (first) data line: kind=json drops its
// last byte ({"type":"done" is no longer JSON), utf8 puts the invalid bytes
// FF FE in its middle, garbage replaces it with as many random printable
// bytes. By type or data, the first matching event.
type corruptFault struct {
	sel  eventSelector
	kind string
}

func init() {
	register("corrupt", append(selectorKeys[:len(selectorKeys):len(selectorKeys)], "kind"), func(ps params) (fault, error) {
		sel, err := parseEventSelector(ps, false)
		if err != nil {
			return nil, err
		}
		kind := ps["kind"]
		if kind == "" {
			kind = "json"
		}
		if !slices.Contains([]string{"json", "utf8", "garbage"}, kind) {
			return nil, fmt.Errorf("kind=%s: want json, utf8 or garbage", clip.String(kind, 40))
		}
		sel.count = 1
		return corruptFault{sel: sel, kind: kind}, nil
	})
}

func (corruptFault) phase() phase { return phaseEvents }

func (f corruptFault) apply(_ *Plan, x *state) error {
	for _, n := range f.sel.pick(x.ed.events) {
		x.ed.replace(n, func(v []byte) []byte {
			switch f.kind {
			case "json":
				if len(v) <= 1 {
					return []byte("{")
				}
				return v[:len(v)-1]
			case "utf8":
				mid := len(v) / 2
				return append(append(slices.Clone(v[:mid]), 0xFF, 0xFE), v[mid:]...)
			}
			out := make([]byte, max(len(v), 1))
			for i := range out {
				out[i] = byte('!' + x.rng.IntN('~'-'!'+1))
			}
			return out
		})
	}
	return nil
}
