package replayer

import (
	"fmt"
	"slices"
)

// corrupt breaks one event's data: kind=json drops its last byte, utf8
// inserts invalid bytes, garbage replaces it with random printable bytes.
func init() {
	registerFault("corrupt", []string{"event", "type", "kind"}, func(params map[string]string) (fault, error) {
		sel, err := parseSelector(params, false)
		if err != nil {
			return nil, err
		}
		kind := params["kind"]
		if kind == "" {
			kind = "json"
		}
		if !slices.Contains([]string{"json", "utf8", "garbage"}, kind) {
			return nil, fmt.Errorf("kind=%s: want json, utf8 or garbage", kind)
		}
		if sel.typ != "" {
			sel.count = 1
		}
		return editFault(func(ed *eventEdits) error {
			for _, n := range ed.pick(sel) {
				ed.corrupt[n] = kind
			}
			return nil
		}), nil
	})
}
