package assert

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ssetape/ssetape/internal/yamlschema"
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
// It is read as cassettes are (internal/yamlschema): every problem is
// reported with file:line:column, the key and a hint. The rule kinds are in
// contractrules.go, one small type each; docs/contracts.md lists them.

// LoadContract reads a contract file.
func LoadContract(path string) (*Contract, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseContract(data, path)
}

// fileContract is a contract file, read.
type fileContract struct {
	name, typeFrom, grammarID string
	rules                     []*fileRule
	grammar                   *Grammar
}

// fileRule is one rule of a contract file: its ID and severity, and its
// check (made fresh for each stream).
type fileRule struct {
	rule  Rule
	check ruleCheck
}

// ParseContract reads a contract from YAML; file names it in errors. A
// non-nil error lists every problem found (a yamlschema.Errors).
func ParseContract(data []byte, file string) (*Contract, error) {
	r := &yamlschema.Reader{File: file}
	spec := &fileContract{typeFrom: "event", grammarID: "GRAMMAR"}
	root, ok := r.Document(data)
	switch {
	case !ok:
		return nil, r.Errs
	case root == nil || root.Kind != yaml.MappingNode:
		r.Fail(root, "", "a contract is a mapping with name, rules and grammar", "see docs/contracts.md")
		return nil, r.Errs
	}
	r.Mapping(root, "", yamlschema.Fields{
		"name": func(n *yaml.Node, key string) { spec.name, _ = r.Str(n, key) },
		"type_from": func(n *yaml.Node, key string) {
			if v, ok := r.Str(n, key); ok {
				if v != "event" && (!strings.HasPrefix(v, "data.") || v == "data.") {
					r.Fail(n, key, fmt.Sprintf("%q: want event or data.FIELD", v), "like data.type")
					return
				}
				spec.typeFrom = v
			}
		},
		"grammar": func(n *yaml.Node, key string) {
			if v, ok := r.Str(n, key); ok {
				g, err := ParseGrammar(v)
				if err != nil {
					r.Fail(n, key, err.Error(), "")
					return
				}
				spec.grammar = g
			}
		},
		"grammar_id": func(n *yaml.Node, key string) {
			if v, ok := r.Str(n, key); ok && v != "" {
				spec.grammarID = v
			}
		},
		"rules": func(n *yaml.Node, key string) {
			if n.Kind != yaml.SequenceNode {
				r.Fail(n, key, "must be a list of rules", "like - last: done")
				return
			}
			for i, item := range n.Content {
				if fr := readRule(r, yamlschema.Resolve(item), fmt.Sprintf("%s[%d]", key, i)); fr != nil {
					spec.rules = append(spec.rules, fr)
				}
			}
		},
	})
	if len(r.Errs) == 0 && len(spec.rules) == 0 && spec.grammar == nil {
		r.Fail(nil, "", "the contract has no rules and no grammar", "add rules: or grammar:")
	}
	if len(r.Errs) > 0 {
		return nil, r.Errs
	}
	if spec.name == "" {
		spec.name = file
	}
	c := &Contract{Name: spec.name, New: func() Checker { return spec.newChecker() }}
	for _, fr := range spec.rules {
		c.Rules = append(c.Rules, fr.rule)
	}
	if spec.grammar != nil {
		c.Rules = append(c.Rules, Rule{spec.grammarID, Error, "the sequence of types follows " + spec.grammar.Text})
	}
	return c, nil
}

// readRule reads one item of rules: exactly one rule kind, with an optional
// id and severity.
func readRule(r *yamlschema.Reader, n *yaml.Node, key string) *fileRule {
	if n.Kind != yaml.MappingNode {
		r.Fail(n, key, "a rule is a mapping such as {last: done}", "the rules are "+strings.Join(ruleKindNames(), ", "))
		return nil
	}
	fr := &fileRule{rule: Rule{Severity: Error}}
	kinds := 0
	fields := yamlschema.Fields{
		"id": func(n *yaml.Node, key string) { fr.rule.ID, _ = r.Str(n, key) },
		"severity": func(n *yaml.Node, key string) {
			if v, ok := r.Str(n, key); ok {
				if v != "error" && v != "warning" {
					r.Fail(n, key, fmt.Sprintf("%q: want error or warning", v), "")
					return
				}
				fr.rule.Severity = Severity(v)
			}
		},
	}
	for name, k := range ruleKinds {
		fields[name] = func(v *yaml.Node, key string) {
			kinds++
			if kinds > 1 {
				r.Fail(v, key, "one rule per item", "put each rule in an item of its own")
				return
			}
			fr.rule.Text = name
			if fr.rule.ID == "" {
				fr.rule.ID = name
			}
			fr.check = k.read(r, v, key)
		}
	}
	before := len(r.Errs)
	r.Mapping(n, key, fields)
	if kinds == 0 && len(r.Errs) == before {
		r.Fail(n, key, "no rule in this item", "the rules are "+strings.Join(ruleKindNames(), ", "))
	}
	if fr.check == nil {
		return nil
	}
	return fr
}

// fileChecker runs a contract file's rules over one stream.
type fileChecker struct {
	base
	spec   *fileContract
	checks []ruleCheck
	count  map[string]int
	prev   Event
	run    *grammarRun
}

func (s *fileContract) newChecker() *fileChecker {
	c := &fileChecker{spec: s, count: map[string]int{}}
	for _, fr := range s.rules {
		c.checks = append(c.checks, fr.check.fresh())
	}
	if s.grammar != nil {
		c.run = s.grammar.run()
	}
	return c
}

// typeOf is an event's type for the contract: its name, or the data field
// type_from names.
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
	fe := &fileEvent{Event: e, prev: c.prev, count: c.count}
	var v any
	if json.Unmarshal([]byte(e.Data), &v) == nil {
		fe.json = true
		fe.data, _ = v.(map[string]any)
	}
	fe.typ = c.typeOf(e, fe.data)
	c.n++
	fe.n = c.n
	c.count[fe.typ]++
	for i, check := range c.checks {
		rule := c.spec.rules[i].rule
		check.event(fe, func(format string, a ...any) { c.out = append(c.out, violation(rule, e, format, a...)) })
	}
	if c.run != nil && !c.run.failed {
		if ok, want := c.run.step(fe.typ); !ok {
			c.run.failed = true
			c.out = append(c.out, violation(Rule{c.spec.grammarID, Error, ""}, e, "%s cannot come here; expected one of %s", fe.typ, strings.Join(want, ", ")))
		}
	}
	c.prev, c.last = e, e
}

func (c *fileChecker) End() []Violation {
	for i, check := range c.checks {
		rule := c.spec.rules[i].rule
		check.end(c.last, c.count, func(e Event, format string, a ...any) { c.out = append(c.out, violation(rule, e, format, a...)) })
	}
	if c.run != nil && !c.run.failed && !c.run.accepting() {
		c.out = append(c.out, violation(Rule{c.spec.grammarID, Error, ""}, c.last, "the stream ended early; expected one of %s", strings.Join(c.run.expected(), ", ")))
	}
	return c.sorted()
}
