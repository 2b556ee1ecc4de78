package assert

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ssetape/ssetape/internal/yamlschema"
)

// The rule kinds of contract files, one small type each, registered by the
// name a contract file gives it: each reads its own value and checks its own
// rule, event by event, with what it needs at the end.

// ruleKind is a kind of rule: how to read it from a contract file.
type ruleKind struct {
	read func(r *yamlschema.Reader, v *yaml.Node, key string) ruleCheck
}

var ruleKinds = map[string]ruleKind{
	"last":         {readType(func(t string) ruleCheck { return lastRule{t} })},
	"first":        {readType(func(t string) ruleCheck { return firstRule{t: t} })},
	"exactly-once": {readType(func(t string) ruleCheck { return onceRule{t, true} })},
	"at-most-once": {readType(func(t string) ruleCheck { return onceRule{t, false} })},
	"never-after":  {readNeverAfter},
	"followed-by":  {readFollowedBy},
	"pair":         {readPair},
	"json":         {readJSON},
	"name-equals":  {readNameEquals},
	"required":     {readRequired},
	"allowed":      {readAllowed},
	"max-gap":      {readDuration(func(d time.Duration) ruleCheck { return maxGapRule{d: d} })},
	"first-within": {readDuration(func(d time.Duration) ruleCheck { return firstWithinRule{d: d} })},
}

func ruleKindNames() []string {
	names := make([]string, 0, len(ruleKinds))
	for n := range ruleKinds {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// fileEvent is an event as the rules see it.
type fileEvent struct {
	Event
	typ   string
	data  map[string]any // the data as a JSON object (nil when it is not one)
	json  bool           // the data is one JSON value
	n     int
	prev  Event          // the previous event, when n > 1
	count map[string]int // events so far, by type, this one included
}

// ruleCheck is one rule of a contract on one stream.
type ruleCheck interface {
	// fresh returns the rule's check for a new stream (itself when it keeps
	// no state).
	fresh() ruleCheck
	event(e *fileEvent, at func(format string, a ...any))
	end(last Event, count map[string]int, at func(e Event, format string, a ...any))
}

// stateless is embedded by rules that keep nothing between events.
type stateless struct{}

func (stateless) end(Event, map[string]int, func(Event, string, ...any)) {}

// Reading a rule's value.

func readType(make func(string) ruleCheck) func(*yamlschema.Reader, *yaml.Node, string) ruleCheck {
	return func(r *yamlschema.Reader, v *yaml.Node, key string) ruleCheck {
		t, ok := r.Str(v, key)
		if !ok || t == "" {
			r.Fail(v, key, "name one type", "like "+key[strings.LastIndex(key, ".")+1:]+": done")
			return nil
		}
		return make(t)
	}
}

func readDuration(make func(time.Duration) ruleCheck) func(*yamlschema.Reader, *yaml.Node, string) ruleCheck {
	return func(r *yamlschema.Reader, v *yaml.Node, key string) ruleCheck {
		d, ok := r.Dur(v, key)
		if !ok {
			return nil
		}
		if d <= 0 {
			r.Fail(v, key, "must be more than 0", "such as 5s")
			return nil
		}
		return make(d)
	}
}

// types reads one type or a list of them.
func types(r *yamlschema.Reader, v *yaml.Node, key string) []string {
	if v.Kind == yaml.ScalarNode {
		if s, ok := r.Str(v, key); ok {
			return []string{s}
		}
		return nil
	}
	return r.StrList(v, key, "[text_delta, done]")
}

// The kinds.

// lastRule: T is the last event.
type lastRule struct{ t string }

func (x lastRule) fresh() ruleCheck { return x }
func (x lastRule) event(e *fileEvent, at func(string, ...any)) {
	if e.count[x.t] > 0 && e.typ != x.t {
		at("%s after %s; %s must be the last event", e.typ, x.t, x.t)
	}
}
func (x lastRule) end(last Event, count map[string]int, at func(Event, string, ...any)) {
	if count[x.t] == 0 {
		at(last, "the stream ended without %s; %s must be the last event", x.t, x.t)
	}
}

// firstRule: T is the first event.
type firstRule struct {
	stateless
	t string
}

func (x firstRule) fresh() ruleCheck { return x }
func (x firstRule) event(e *fileEvent, at func(string, ...any)) {
	if e.n == 1 && e.typ != x.t {
		at("the first event is %s; expected %s", e.typ, x.t)
	}
}

// onceRule: T at most once, or exactly once.
type onceRule struct {
	t       string
	exactly bool
}

func (x onceRule) fresh() ruleCheck { return x }
func (x onceRule) event(e *fileEvent, at func(string, ...any)) {
	if e.typ == x.t && e.count[x.t] == 2 {
		at("%s again; it comes at most once", e.typ)
	}
}
func (x onceRule) end(last Event, count map[string]int, at func(Event, string, ...any)) {
	if x.exactly && count[x.t] == 0 {
		at(last, "the stream has no %s; it comes exactly once", x.t)
	}
}

// neverAfterRule: none of types (or nothing at all) after AFTER.
type neverAfterRule struct {
	stateless
	after string
	types []string
	seen  bool
}

func readNeverAfter(r *yamlschema.Reader, v *yaml.Node, key string) ruleCheck {
	x := &neverAfterRule{}
	r.Mapping(v, key, yamlschema.Fields{
		"after": func(n *yaml.Node, key string) { x.after, _ = r.Str(n, key) },
		"types": func(n *yaml.Node, key string) { x.types = types(r, n, key) },
	}, "after")
	return x
}

func (x *neverAfterRule) fresh() ruleCheck { c := *x; return &c }
func (x *neverAfterRule) event(e *fileEvent, at func(string, ...any)) {
	if x.seen && (len(x.types) == 0 || slices.Contains(x.types, e.typ)) {
		at("%s after %s", e.typ, x.after)
	}
	if e.typ == x.after {
		x.seen = true
	}
}

// followedByRule: every T is immediately followed by NEXT.
type followedByRule struct {
	t, next string
	waiting *Event
}

func readFollowedBy(r *yamlschema.Reader, v *yaml.Node, key string) ruleCheck {
	x := &followedByRule{}
	r.Mapping(v, key, yamlschema.Fields{
		"type": func(n *yaml.Node, key string) { x.t, _ = r.Str(n, key) },
		"next": func(n *yaml.Node, key string) { x.next, _ = r.Str(n, key) },
	}, "type", "next")
	return x
}

func (x *followedByRule) fresh() ruleCheck { c := *x; return &c }
func (x *followedByRule) event(e *fileEvent, at func(string, ...any)) {
	if w := x.waiting; w != nil {
		if e.typ != x.next {
			at("%s right after %s (event %d); expected %s", e.typ, x.t, w.N, x.next)
		}
		x.waiting = nil
	}
	if e.typ == x.t {
		ev := e.Event
		x.waiting = &ev
	}
}
func (x *followedByRule) end(_ Event, _ map[string]int, at func(Event, string, ...any)) {
	if x.waiting != nil {
		at(*x.waiting, "the stream ended right after %s; expected %s", x.t, x.next)
	}
}

// pairRule: every OPEN.key is answered by a CLOSE with the same key.
type pairRule struct {
	open, keyA, close, keyB string
	opened                  map[string][]Event
	order                   []string
}

func readPair(r *yamlschema.Reader, v *yaml.Node, key string) ruleCheck {
	x := &pairRule{}
	both := func(n *yaml.Node, key string) (string, string) {
		s, ok := r.Str(n, key)
		t, k, dot := strings.Cut(s, ".")
		if ok && (!dot || t == "" || k == "") {
			r.Fail(n, key, fmt.Sprintf("%q: want TYPE.FIELD of the data", s), "like tool_call.id")
		}
		return t, k
	}
	r.Mapping(v, key, yamlschema.Fields{
		"open":  func(n *yaml.Node, key string) { x.open, x.keyA = both(n, key) },
		"close": func(n *yaml.Node, key string) { x.close, x.keyB = both(n, key) },
	}, "open", "close")
	return x
}

func (x *pairRule) fresh() ruleCheck {
	return &pairRule{open: x.open, keyA: x.keyA, close: x.close, keyB: x.keyB, opened: map[string][]Event{}}
}
func (x *pairRule) event(e *fileEvent, at func(string, ...any)) {
	switch e.typ {
	case x.open:
		k := fmt.Sprint(e.data[x.keyA])
		if len(x.opened[k]) == 0 {
			x.order = append(x.order, k)
		}
		x.opened[k] = append(x.opened[k], e.Event)
	case x.close:
		k := fmt.Sprint(e.data[x.keyB])
		if len(x.opened[k]) == 0 {
			at("%s with %s %s answers no open %s", x.close, x.keyB, excerpt(k, 40), x.open)
		} else {
			x.opened[k] = x.opened[k][1:]
		}
	}
}
func (x *pairRule) end(_ Event, _ map[string]int, at func(Event, string, ...any)) {
	for _, k := range x.order {
		for _, e := range x.opened[k] {
			at(e, "this %s (%s %s) got no %s", x.open, x.keyA, excerpt(k, 40), x.close)
		}
		x.opened[k] = nil
	}
}

// jsonRule: every event's data is JSON (but [DONE]).
type jsonRule struct{ stateless }

func readJSON(r *yamlschema.Reader, v *yaml.Node, key string) ruleCheck {
	if b, ok := r.Bool(v, key); ok && !b {
		r.Fail(v, key, "json: false checks nothing", "write json: true, or leave the rule out")
	}
	return jsonRule{}
}

func (x jsonRule) fresh() ruleCheck { return x }
func (jsonRule) event(e *fileEvent, at func(string, ...any)) {
	if !e.json && e.Data != "[DONE]" {
		at("the data is not JSON")
	}
}

// nameEqualsRule: the event name equals the data field.
type nameEqualsRule struct {
	stateless
	key string
}

func readNameEquals(r *yamlschema.Reader, v *yaml.Node, key string) ruleCheck {
	s, ok := r.Str(v, key)
	field, data := strings.CutPrefix(s, "data.")
	if ok && (!data || field == "") {
		r.Fail(v, key, fmt.Sprintf("%q: want data.FIELD", s), "like name-equals: data.type")
		return nil
	}
	return nameEqualsRule{key: field}
}

func (x nameEqualsRule) fresh() ruleCheck { return x }
func (x nameEqualsRule) event(e *fileEvent, at func(string, ...any)) {
	if v, _ := e.data[x.key].(string); e.TypeName() != v {
		at("event name %q but data.%s %q; they must be equal", e.TypeName(), x.key, excerpt(v, 40))
	}
}

// requiredRule: the data of a type has the fields.
type requiredRule struct {
	stateless
	fields map[string][]string
}

func readRequired(r *yamlschema.Reader, v *yaml.Node, key string) ruleCheck {
	x := requiredRule{fields: map[string][]string{}}
	if v.Kind != yaml.MappingNode {
		r.Fail(v, key, "must be a mapping from a type to its fields", "like {tool_call: [id, name]}")
		return nil
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		t := yamlschema.Resolve(v.Content[i]).Value
		x.fields[t] = types(r, yamlschema.Resolve(v.Content[i+1]), key+"."+t)
	}
	return x
}

func (x requiredRule) fresh() ruleCheck { return x }
func (x requiredRule) event(e *fileEvent, at func(string, ...any)) {
	for _, f := range x.fields[e.typ] {
		if _, ok := e.data[f]; !ok {
			at("%s has no %q field", e.typ, f)
		}
	}
}

// allowedRule: only these types.
type allowedRule struct {
	stateless
	types []string
}

func readAllowed(r *yamlschema.Reader, v *yaml.Node, key string) ruleCheck {
	return allowedRule{types: types(r, v, key)}
}

func (x allowedRule) fresh() ruleCheck { return x }
func (x allowedRule) event(e *fileEvent, at func(string, ...any)) {
	if !slices.Contains(x.types, e.typ) {
		at("%q is not an allowed type; expected one of %s", excerpt(e.typ, 40), strings.Join(x.types, ", "))
	}
}

// maxGapRule: at most D between events.
type maxGapRule struct {
	stateless
	d time.Duration
}

func (x maxGapRule) fresh() ruleCheck { return x }
func (x maxGapRule) event(e *fileEvent, at func(string, ...any)) {
	if e.n > 1 && e.HasAt && e.At-e.prev.At > x.d {
		at("%v since the previous event; at most %v", (e.At - e.prev.At).Round(time.Millisecond), x.d)
	}
}

// firstWithinRule: the first event within D.
type firstWithinRule struct {
	stateless
	d time.Duration
}

func (x firstWithinRule) fresh() ruleCheck { return x }
func (x firstWithinRule) event(e *fileEvent, at func(string, ...any)) {
	if e.n == 1 && e.HasAt && e.At > x.d {
		at("the first event came at %v; expected within %v", e.At.Round(time.Millisecond), x.d)
	}
}
