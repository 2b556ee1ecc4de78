package assert_test

import (
	"strings"
	"testing"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/fixtures"
)

const seedContract = `name: seed
type_from: event
rules:
  - {id: DONE-LAST, last: done}
  - {id: DONE-ONCE, exactly-once: done}
  - {id: ERROR-ONCE, at-most-once: error}
  - {id: ERROR-DONE, followed-by: {type: error, next: done}}
  - {id: TOOLS, pair: {open: tool_call.id, close: tool_result.id}}
  - {id: FINAL, never-after: {after: final_answer, types: [text_delta]}}
  - {id: NAME, name-equals: data.type}
  - {id: JSON, json: true}
  - {id: FIELDS, required: {tool_call: [id, name]}}
  - {id: TYPES, allowed: [thinking, text_delta, tool_call, tool_result, final_answer, error, done]}
grammar: "thinking* ( text_delta | tool_call tool_result )* ( final_answer | error )? done"
`

func TestContractFile(t *testing.T) {
	c, err := assert.ParseContract([]byte(seedContract), "seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{ // fixture -> rule IDs among the errors
		"raw/agent.sse":                         "",
		"raw/agent-error.sse":                   "",
		"broken/missing-done.sse":               "DONE-LAST DONE-ONCE GRAMMAR",
		"broken/done-not-last.sse":              "DONE-LAST FINAL GRAMMAR",
		"broken/two-dones.sse":                  "DONE-ONCE GRAMMAR",
		"broken/event-name-mismatch.sse":        "NAME",
		"broken/unknown-type.sse":               "GRAMMAR TYPES",
		"broken/error-not-followed-by-done.sse": "ERROR-DONE GRAMMAR",
		"broken/two-errors.sse":                 "ERROR-DONE ERROR-ONCE GRAMMAR",
		"broken/orphan-tool-result.sse":         "GRAMMAR TOOLS",
		"broken/unanswered-tool-call.sse":       "GRAMMAR TOOLS",
		"broken/text-after-final-answer.sse":    "FINAL GRAMMAR",
	}
	for name, want := range cases {
		data, _ := fixtures.FS.ReadFile(name)
		for eol, body := range eols(string(data)) {
			r := assert.Check(c, name, decode(t, []byte(body)))
			got := map[string]bool{}
			for _, v := range r.Violations {
				got[v.Rule] = true
			}
			var ids []string
			for id := range got {
				ids = append(ids, id)
			}
			if strings.Join(sorted(ids), " ") != want {
				t.Errorf("%s (%s): rules %v, want %q\n%+v", name, eol, sorted(ids), want, r.Violations)
			}
		}
	}
}

func sorted(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestGrammarSaysWhatWasExpected(t *testing.T) {
	c, err := assert.ParseContract([]byte("rules: []\ngrammar: \"thinking* ( text_delta | tool_call tool_result )* final_answer? done\"\n"), "g.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := fixtures.FS.ReadFile("broken/text-after-final-answer.sse")
	r := assert.Check(c, "x", decode(t, data))
	if len(r.Violations) != 1 || r.Violations[0].Event != 4 ||
		r.Violations[0].Message != "text_delta cannot come here; expected one of done" {
		t.Errorf("%+v", r.Violations)
	}
	data, _ = fixtures.FS.ReadFile("broken/missing-done.sse")
	r = assert.Check(c, "x", decode(t, data))
	if len(r.Violations) != 1 || !strings.Contains(r.Violations[0].Message, "ended early; expected one of done") {
		t.Errorf("%+v", r.Violations)
	}
}

func TestGrammarSyntax(t *testing.T) {
	good := []string{`a`, `_ *`, `a ( b | c )+ d?`, `"[DONE]"`, `message_start ( ping | content_block_delta )* message_stop`, `a.b:c/d-e`}
	for _, g := range good {
		if _, err := assert.ParseGrammar(g); err != nil {
			t.Errorf("%q: %v", g, err)
		}
	}
	bad := []string{`( a`, `a )`, `* a`, `a $`, `"open`, `( )*x)`}
	for _, g := range bad {
		if _, err := assert.ParseGrammar(g); err == nil {
			t.Errorf("%q: no error", g)
		}
	}
}

func TestContractFileErrors(t *testing.T) {
	cases := map[string]string{
		"rules:\n  - {lst: done}\n":                   "c.yaml:2:6: rules[0].lst: unknown rule; the rules are last, first",
		"rules:\n  - {pair: {open: tool_call}}\n":     "c.yaml:2:12: rules[0].pair: write {open: tool_call.id, close: tool_result.id}",
		"rules:\n  - {last: done, severity: fatal}\n": "rules[0].severity: \"fatal\": want error or warning",
		"grammar: \"a ( b\"\n":                        "c.yaml:1:10: grammar: grammar \"a ( b\": a ( is not closed",
		"name: x\n":                                   "the contract has no rules and no grammar",
		"rules: done\n":                               "c.yaml:1:8: rules: must be a list of rules",
		"rulez: []\n":                                 "c.yaml:1:1: rulez: unknown key",
		"rules:\n  - {max-gap: soon}\n":               "\"soon\": want a duration such as 5s",
	}
	for y, want := range cases {
		_, err := assert.ParseContract([]byte(y), "c.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", y, err, want)
		}
	}
}

func FuzzGrammar(f *testing.F) {
	for _, s := range []string{"a ( b | c )* d?", `"x y" _+`, "((a))", "a | | b"} {
		f.Add(s, "a b c d")
	}
	f.Fuzz(func(t *testing.T, grammar, types string) {
		g, err := assert.ParseGrammar(grammar)
		if err != nil {
			return
		}
		c, err := assert.ParseContract([]byte("grammar: '"+strings.ReplaceAll(g.Text, "'", "''")+"'\n"), "f.yaml")
		if err != nil {
			return
		}
		var evs []assert.Event
		for i, typ := range strings.Fields(types) {
			evs = append(evs, assert.Event{N: i + 1})
			evs[i].Type = typ
		}
		r := assert.Check(c, "f", evs)
		if len(r.Violations) > 1 {
			t.Fatalf("the grammar reports %d violations; it stops at the first", len(r.Violations))
		}
	})
}
