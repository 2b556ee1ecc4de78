package replayer

import (
	"fmt"
	"github.com/ssetape/ssetape/sse"
	"strconv"
)

// inject adds an event after event N (after=0: before the first).
func init() {
	registerFault("inject", []string{"after", "type", "data"}, func(params map[string]string) (fault, error) {
		after, ok, err := intParam(params, "after", 0)
		if err == nil && !ok {
			err = fmt.Errorf("give after=N (0 for before the first event)")
		}
		if err != nil {
			return nil, err
		}
		m := sse.Message{Event: params["type"], Data: params["data"], HasData: true}
		if _, has := params["data"]; !has {
			if m.Event == "" {
				return nil, fmt.Errorf("give type=T, data=TEXT or both")
			}
			m.Data = `{"type":` + strconv.Quote(m.Event) + `}`
		}
		if _, err := sse.AppendMessage(nil, m, sse.LF); err != nil {
			return nil, err
		}
		return editFault(func(ed *eventEdits) error {
			ed.inject[min(after, len(ed.events))] = append(ed.inject[min(after, len(ed.events))], m)
			return nil
		}), nil
	})
}
