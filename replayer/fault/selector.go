package fault

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ssetape/ssetape/internal/clip"

	"github.com/ssetape/ssetape/sse"
)

// Selector names events the way every event-selecting key does (drop,
// duplicate, corrupt, hold, and the control API's until): by type, the type
// being the event name ("message" when it has none) or, with TypeFrom, a
// top-level field of the JSON data (data.type), as contracts read it; or by
// a text its data contains.
type Selector struct {
	Type     string
	TypeFrom string // "" or "event": the event name; "data.FIELD": that field of the data
	Data     string // with Type "": the data contains this text
}

// NewSelector checks a selector: exactly one of typ and data, and typeFrom
// "", "event" or data.FIELD.
func NewSelector(typ, typeFrom, data string, hasData bool) (Selector, error) {
	s := Selector{Type: typ, TypeFrom: typeFrom, Data: data}
	switch {
	case typ == "" && !hasData:
		return s, fmt.Errorf("give type=T or data=TEXT")
	case typ != "" && hasData:
		return s, fmt.Errorf("give only one of type and data")
	case hasData && data == "":
		return s, fmt.Errorf("data= needs a text to look for")
	case typeFrom != "" && typ == "":
		return s, fmt.Errorf("type-from goes with type=T")
	case typeFrom != "" && typeFrom != "event" && (!strings.HasPrefix(typeFrom, "data.") || len(typeFrom) == len("data.")):
		return s, fmt.Errorf("type-from=%s: want event or data.FIELD (like data.type)", clip.String(typeFrom, 40))
	}
	return s, nil
}

// Matches reports whether the selector names e.
func (s Selector) Matches(e sse.Event) bool {
	if s.Type == "" {
		return strings.Contains(e.Data, s.Data)
	}
	return TypeOf(e, s.TypeFrom) == s.Type
}

// String writes the selector as a spec would.
func (s Selector) String() string {
	switch {
	case s.Type == "":
		return "data=" + s.Data
	case s.TypeFrom != "" && s.TypeFrom != "event":
		return "type=" + s.Type + ",type-from=" + s.TypeFrom
	}
	return "type=" + s.Type
}

// TypeOf is an event's type as contracts see it: its event name ("message"
// when it has none), or with typeFrom data.FIELD that string field of its
// JSON data, [DONE] for a [DONE] sentinel, else the event name.
func TypeOf(e sse.Event, typeFrom string) string {
	if field, ok := strings.CutPrefix(typeFrom, "data."); ok {
		var o map[string]any
		if json.Unmarshal([]byte(e.Data), &o) == nil {
			if t, ok := o[field].(string); ok {
				return t
			}
		}
		if e.Data == "[DONE]" {
			return "[DONE]"
		}
	}
	return sse.TypeName(e.Type)
}

// eventSelector is the event=N | type=T | data=TEXT choice of the event
// faults (numbers and types as recorded), with count=K where it is taken.
type eventSelector struct {
	event int // from 1; 0 when by type or data
	sel   Selector
	count int // how many; 0: one for event=, all for type= and data=
}

// parseEventSelector reads event=N or type=T (with type-from) or data=TEXT,
// and count=K when withCount.
func parseEventSelector(ps params, withCount bool) (eventSelector, error) {
	var s eventSelector
	which, err := ps.onlyOne(false, "event", "type", "data")
	if err != nil {
		return s, err
	}
	if which == "event" {
		if _, ok := ps["type-from"]; ok {
			return s, fmt.Errorf("type-from goes with type=T")
		}
		if s.event, err = ps.eventNumber(); err != nil {
			return s, err
		}
	} else {
		_, hasData := ps["data"]
		if s.sel, err = NewSelector(ps["type"], ps["type-from"], ps["data"], hasData); err != nil {
			return s, err
		}
	}
	if withCount {
		if s.count, _, err = ps.int("count", 1); err != nil {
			return s, err
		}
	}
	return s, nil
}

// pick returns the numbers (from 1) of the events a selector names.
func (s eventSelector) pick(events []sse.Event) []int {
	var out []int
	if s.event > 0 {
		for i := s.event; i < s.event+max(s.count, 1) && i <= len(events); i++ {
			out = append(out, i)
		}
		return out
	}
	for i, e := range events {
		if s.sel.Matches(e) {
			out = append(out, i+1)
			if s.count > 0 && len(out) == s.count {
				break
			}
		}
	}
	return out
}

// selectorKeys are the keys of an event selector.
var selectorKeys = []string{"event", "type", "type-from", "data"}
