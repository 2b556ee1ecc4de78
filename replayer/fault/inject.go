package fault

import (
	"fmt"
	"strconv"

	"github.com/ssetape/ssetape/sse"
)

// injectFault adds an event after event N (after=0: before the first), with
// the stream's line ending; data defaults to {"type":"T"}.
type injectFault struct {
	after int
	msg   sse.Message
}

func init() {
	register("inject", []string{"after", "type", "data"}, func(ps params) (fault, error) {
		after, ok, err := ps.int("after", 0)
		if err == nil && !ok {
			err = fmt.Errorf("give after=N (0 for before the first event)")
		}
		if err != nil {
			return nil, err
		}
		m := sse.Message{Event: ps["type"], Data: ps["data"], HasData: true}
		if _, has := ps["data"]; !has {
			if m.Event == "" {
				return nil, fmt.Errorf("give type=T, data=TEXT or both")
			}
			m.Data = `{"type":` + strconv.Quote(m.Event) + `}`
		}
		if _, err := sse.AppendMessage(nil, m, sse.LF); err != nil {
			return nil, err
		}
		return injectFault{after: after, msg: m}, nil
	})
}

func (injectFault) phase() phase { return phaseEvents }

func (f injectFault) apply(_ *Plan, x *state) error {
	x.ed.insertAfter(f.after, f.msg)
	return nil
}
