package assert

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A contract file (YAML) names its rules and, optionally, a grammar:
//
//	name: my-agent
//	type_from: event            # or data.type (or another top-level data field)
//	rules:
//	  - last: done
//	  - exactly-once: done
//	  - {id: NO-TEXT-AFTER-FINAL, never-after: {after: final_answer, types: [text_delta]}}
//	  - {followed-by: {type: error, next: done}, severity: warning}
//	  - pair: {open: tool_call.id, close: tool_result.id}
//	grammar: "thinking* ( text_delta | tool_call tool_result )* final_answer? done"
//
// docs/contracts.md lists every rule.

// LoadContract reads a contract file.
func LoadContract(path string) (*Contract, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseContract(data, path)
}

// contractError is a problem in a contract file, with its place.
type contractError struct {
	file         string
	line, column int
	key, msg     string
}

func (e *contractError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.file, e.line, e.column, e.key, e.msg)
}

// ParseContract reads a contract from YAML; file names it in errors.
func ParseContract(data []byte, file string) (*Contract, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %v", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: a contract is a mapping with name, rules and grammar (see docs/contracts.md)", file)
	}
	fail := func(n *yaml.Node, key, format string, a ...any) error {
		return &contractError{file: file, line: n.Line, column: n.Column, key: key, msg: fmt.Sprintf(format, a...)}
	}
	spec := &fileContract{typeFrom: "event"}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "name":
			spec.name = v.Value
		case "type_from":
			if v.Value != "event" && !strings.HasPrefix(v.Value, "data.") {
				return nil, fail(v, "type_from", "%q: want event or data.FIELD (like data.type)", v.Value)
			}
			spec.typeFrom = v.Value
		case "grammar":
			g, err := ParseGrammar(v.Value)
			if err != nil {
				return nil, fail(v, "grammar", "%v", err)
			}
			spec.grammar = g
		case "grammar_id":
			spec.grammarID = v.Value
		case "rules":
			if v.Kind != yaml.SequenceNode {
				return nil, fail(v, "rules", "must be a list of rules, like - last: done")
			}
			for j, item := range v.Content {
				r, err := parseRule(item, fmt.Sprintf("rules[%d]", j), fail)
				if err != nil {
					return nil, err
				}
				spec.rules = append(spec.rules, r)
			}
		default:
			return nil, fail(k, k.Value, "unknown key; a contract has name, type_from, rules, grammar and grammar_id")
		}
	}
	if spec.name == "" {
		spec.name = file
	}
	if len(spec.rules) == 0 && spec.grammar == nil {
		return nil, fmt.Errorf("%s: the contract has no rules and no grammar", file)
	}
	if spec.grammarID == "" {
		spec.grammarID = "GRAMMAR"
	}
	c := &Contract{Name: spec.name, New: func() Checker { return spec.newChecker() }}
	for _, r := range spec.rules {
		c.Rules = append(c.Rules, r.rule)
	}
	if spec.grammar != nil {
		c.Rules = append(c.Rules, Rule{spec.grammarID, Error, "the sequence of types follows " + spec.grammar.Text})
	}
	return c, nil
}

type fileContract struct {
	name, typeFrom, grammarID string
	rules                     []*fileRule
	grammar                   *Grammar
}

// fileRule is one rule of a contract file.
type fileRule struct {
	rule    Rule
	kind    string
	a, b    string   // the types (or A.key, B.key for pair) it names
	types   []string // for never-after, allowed
	fields  map[string][]string
	d       time.Duration
	keyA    string
	keyB    string
	dataKey string // for name-equals
}

var ruleKinds = []string{"last", "first", "exactly-once", "at-most-once", "never-after", "followed-by", "pair", "json",
	"name-equals", "required", "allowed", "max-gap", "first-within"}

func parseRule(n *yaml.Node, key string, fail func(*yaml.Node, string, string, ...any) error) (*fileRule, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fail(n, key, "a rule is a mapping such as {last: done}; the rules are %s", strings.Join(ruleKinds, ", "))
	}
	r := &fileRule{rule: Rule{Severity: Error}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Value == "id":
			r.rule.ID = v.Value
			continue
		case k.Value == "severity":
			if v.Value != "error" && v.Value != "warning" {
				return nil, fail(v, key+".severity", "%q: want error or warning", v.Value)
			}
			r.rule.Severity = Severity(v.Value)
			continue
		case !slices.Contains(ruleKinds, k.Value):
			return nil, fail(k, key+"."+k.Value, "unknown rule; the rules are %s", strings.Join(ruleKinds, ", "))
		case r.kind != "":
			return nil, fail(k, key+"."+k.Value, "one rule per item (this one already says %s)", r.kind)
		}
		r.kind = k.Value
		sub := func(name string) (*yaml.Node, bool) {
			for j := 0; j+1 < len(v.Content); j += 2 {
				if v.Content[j].Value == name {
					return v.Content[j+1], true
				}
			}
			return nil, false
		}
		list := func(n *yaml.Node) []string {
			if n.Kind == yaml.ScalarNode {
				return []string{n.Value}
			}
			var out []string
			for _, x := range n.Content {
				out = append(out, x.Value)
			}
			return out
		}
		switch r.kind {
		case "last", "first", "exactly-once", "at-most-once":
			if v.Kind != yaml.ScalarNode || v.Value == "" {
				return nil, fail(v, key+"."+r.kind, "name one type, like %s: done", r.kind)
			}
			r.a = v.Value
		case "never-after":
			after, ok := sub("after")
			if v.Kind != yaml.MappingNode || !ok {
				return nil, fail(v, key+".never-after", "write {after: final_answer, types: [text_delta]} (types left out: nothing at all)")
			}
			r.a = after.Value
			if t, ok := sub("types"); ok {
				r.types = list(t)
			}
		case "followed-by":
			t, ok1 := sub("type")
			nx, ok2 := sub("next")
			if v.Kind != yaml.MappingNode || !ok1 || !ok2 {
				return nil, fail(v, key+".followed-by", "write {type: error, next: done}: every error is immediately followed by done")
			}
			r.a, r.b = t.Value, nx.Value
		case "pair":
			o, ok1 := sub("open")
			c, ok2 := sub("close")
			if v.Kind != yaml.MappingNode || !ok1 || !ok2 || !strings.Contains(o.Value, ".") || !strings.Contains(c.Value, ".") {
				return nil, fail(v, key+".pair", "write {open: tool_call.id, close: tool_result.id}: TYPE.FIELD of the data")
			}
			r.a, r.keyA, _ = strings.Cut(o.Value, ".")
			r.b, r.keyB, _ = strings.Cut(c.Value, ".")
		case "json":
			if v.Value != "true" {
				return nil, fail(v, key+".json", "write json: true")
			}
		case "name-equals":
			if !strings.HasPrefix(v.Value, "data.") {
				return nil, fail(v, key+".name-equals", "write name-equals: data.type")
			}
			r.dataKey = strings.TrimPrefix(v.Value, "data.")
		case "required":
			if v.Kind != yaml.MappingNode {
				return nil, fail(v, key+".required", "write {tool_call: [id, name]}: fields the data of a type must have")
			}
			r.fields = map[string][]string{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				r.fields[v.Content[j].Value] = list(v.Content[j+1])
			}
		case "allowed":
			r.types = list(v)
		case "max-gap", "first-within":
			d, err := time.ParseDuration(v.Value)
			if err != nil || d <= 0 {
				return nil, fail(v, key+"."+r.kind, "%q: want a duration such as 5s", v.Value)
			}
			r.d = d
		}
	}
	if r.kind == "" {
		return nil, fail(n, key, "no rule in this item; the rules are %s", strings.Join(ruleKinds, ", "))
	}
	if r.rule.ID == "" {
		r.rule.ID = r.kind
	}
	r.rule.Text = r.kind
	return r, nil
}

// fileChecker runs a contract file's rules over one stream.
type fileChecker struct {
	spec   *fileContract
	out    []Violation
	n      int
	prev   Event
	count  map[string]int
	seenA  map[*fileRule]bool   // never-after: the after type was seen
	expect map[*fileRule]*Event // followed-by: the event that wants a next
	open   map[*fileRule]map[string][]Event
	last   Event
	run    *grammarRun
}

func (s *fileContract) newChecker() *fileChecker {
	c := &fileChecker{spec: s, count: map[string]int{}, seenA: map[*fileRule]bool{}, expect: map[*fileRule]*Event{},
		open: map[*fileRule]map[string][]Event{}}
	if s.grammar != nil {
		c.run = s.grammar.run()
	}
	return c
}

func (c *fileChecker) typeOf(e Event, data map[string]any) string {
	if c.spec.typeFrom == "event" {
		return e.TypeName()
	}
	if s, ok := data[strings.TrimPrefix(c.spec.typeFrom, "data.")].(string); ok {
		return s
	}
	if e.Data == "[DONE]" {
		return "[DONE]"
	}
	return e.TypeName()
}

func (c *fileChecker) Event(e Event) {
	var data map[string]any
	jsonErr := json.Unmarshal([]byte(e.Data), &data)
	typ := c.typeOf(e, data)
	c.n++
	c.count[typ]++
	for _, r := range c.spec.rules {
		at := func(format string, a ...any) { c.out = append(c.out, violation(r.rule, e, format, a...)) }
		switch r.kind {
		case "first":
			if c.n == 1 && typ != r.a {
				at("the first event is %s; expected %s", typ, r.a)
			}
		case "last":
			if c.count[r.a] > 0 && typ != r.a {
				at("%s after %s; %s must be the last event", typ, r.a, r.a)
			}
		case "exactly-once", "at-most-once":
			if typ == r.a && c.count[typ] == 2 {
				at("%s again; it comes at most once", typ)
			}
		case "never-after":
			if c.seenA[r] && (len(r.types) == 0 || slices.Contains(r.types, typ)) {
				at("%s after %s", typ, r.a)
			}
			if typ == r.a {
				c.seenA[r] = true
			}
		case "followed-by":
			if w := c.expect[r]; w != nil {
				if typ != r.b {
					at("%s right after %s (event %d); expected %s", typ, r.a, w.N, r.b)
				}
				c.expect[r] = nil
			}
			if typ == r.a {
				ev := e
				c.expect[r] = &ev
			}
		case "pair":
			if c.open[r] == nil {
				c.open[r] = map[string][]Event{}
			}
			switch typ {
			case r.a:
				k := fmt.Sprint(data[r.keyA])
				c.open[r][k] = append(c.open[r][k], e)
			case r.b:
				k := fmt.Sprint(data[r.keyB])
				if len(c.open[r][k]) == 0 {
					at("%s with %s %s answers no open %s", r.b, r.keyB, k, r.a)
				} else {
					c.open[r][k] = c.open[r][k][1:]
				}
			}
		case "json":
			if jsonErr != nil && e.Data != "[DONE]" {
				var v any
				if json.Unmarshal([]byte(e.Data), &v) != nil {
					at("the data is not JSON")
				}
			}
		case "name-equals":
			if v, _ := data[r.dataKey].(string); e.TypeName() != v {
				at("event name %q but data.%s %q; they must be equal", e.TypeName(), r.dataKey, v)
			}
		case "required":
			for _, f := range r.fields[typ] {
				if _, ok := data[f]; !ok {
					at("%s has no %q field", typ, f)
				}
			}
		case "allowed":
			if !slices.Contains(r.types, typ) {
				at("%q is not an allowed type; expected one of %s", typ, strings.Join(r.types, ", "))
			}
		case "max-gap":
			if c.n > 1 && e.HasAt && e.At-c.prev.At > r.d {
				at("%v since the previous event; at most %v", (e.At - c.prev.At).Round(time.Millisecond), r.d)
			}
		case "first-within":
			if c.n == 1 && e.HasAt && e.At > r.d {
				at("the first event came at %v; expected within %v", e.At.Round(time.Millisecond), r.d)
			}
		}
	}
	if c.run != nil && !c.run.failed {
		if ok, want := c.run.step(typ); !ok {
			c.run.failed = true
			c.out = append(c.out, violation(Rule{c.spec.grammarID, Error, ""}, e, "%s cannot come here; expected one of %s", typ, strings.Join(want, ", ")))
		}
	}
	c.prev, c.last = e, e
}

func (c *fileChecker) End() []Violation {
	for _, r := range c.spec.rules {
		at := func(e Event, format string, a ...any) { c.out = append(c.out, violation(r.rule, e, format, a...)) }
		switch r.kind {
		case "last":
			if c.count[r.a] == 0 {
				at(c.last, "the stream ended without %s; %s must be the last event", r.a, r.a)
			}
		case "exactly-once":
			if c.count[r.a] == 0 {
				at(c.last, "the stream has no %s; it comes exactly once", r.a)
			}
		case "followed-by":
			if w := c.expect[r]; w != nil {
				at(*w, "the stream ended right after %s; expected %s", r.a, r.b)
			}
		case "pair":
			for k, evs := range c.open[r] {
				for _, e := range evs {
					at(e, "this %s (%s %s) got no %s", r.a, r.keyA, k, r.b)
				}
			}
		}
	}
	if c.run != nil && !c.run.failed && !c.run.accepting() {
		c.out = append(c.out, violation(Rule{c.spec.grammarID, Error, ""}, c.last, "the stream ended early; expected one of %s", strings.Join(c.run.expected(), ", ")))
	}
	slices.SortStableFunc(c.out, func(a, b Violation) int { return a.Event - b.Event })
	return c.out
}

func (c *fileChecker) found() []Violation { return append([]Violation(nil), c.out...) }
