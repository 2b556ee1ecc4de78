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
		"rules:\n  - {lst: done}\n":                   "c.yaml:2:6: rules[0].lst: unknown key (did you mean last?)",
		"rules:\n  - {pair: {open: tool_call}}\n":     "c.yaml:2:19: rules[0].pair.open: \"tool_call\": want TYPE.FIELD of the data (like tool_call.id)\nc.yaml:2:12: rules[0].pair.close: missing",
		"rules:\n  - {last: done, severity: fatal}\n": "rules[0].severity: \"fatal\": want error or warning",
		"grammar: \"a ( b\"\n":                        "c.yaml:1:10: grammar: grammar \"a ( b\": a ( is not closed",
		"name: x\n":                                   "the contract has no rules and no grammar",
		"rules: done\n":                               "c.yaml:1:8: rules: must be a list of rules",
		"rulez: []\n":                                 "c.yaml:1:1: rulez: unknown key",
		"rules:\n  - {max-gap: soon}\n":               "c.yaml:2:15: rules[0].max-gap: \"soon\" is not a duration",
		"rules:\n  - {last: done, first: thinking}\n": "rules[0].first: one rule per item",
	}
	for y, want := range cases {
		_, err := assert.ParseContract([]byte(y), "c.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", y, err, want)
		}
	}
}

// Every problem of a contract file is reported in one run, with its place.
func TestContractFileReportsEveryProblem(t *testing.T) {
	_, err := assert.ParseContract([]byte("nmae: x\nrules:\n  - {lst: done}\n  - {max-gap: 0s}\n  - {pair: {open: a.id}}\ngrammar: 'a ('\n"), "c.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"c.yaml:1:1: nmae: unknown key (did you mean name?)", "c.yaml:3:6: rules[0].lst: unknown key (did you mean last?)",
		"c.yaml:4:15: rules[1].max-gap: must be more than 0", "rules[2].pair.close: missing", "c.yaml:6:10: grammar:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
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

// Every operator of the grammar, with sequences it takes and refuses.
func TestGrammarOperators(t *testing.T) {
	cases := []struct {
		grammar      string
		take, refuse []string
	}{
		{"a b", []string{"a b"}, []string{"a", "b a", "a b b", ""}},
		{"a?", []string{"", "a"}, []string{"a a"}},
		{"a*", []string{"", "a", "a a a"}, []string{"b"}},
		{"a+", []string{"a", "a a"}, []string{""}},
		{"a | b", []string{"a", "b"}, []string{"a b", ""}},
		{"( a b )+ c", []string{"a b c", "a b a b c"}, []string{"a c", "c", "a b"}},
		{"_ done", []string{"x done", "done done"}, []string{"done", "x y done"}},
		{"_* done", []string{"done", "a b c done"}, []string{"a"}},
		{`data "[DONE]"`, []string{"data [DONE]"}, []string{"data DONE"}},
		{"response.created ( response.output_text.delta )* response.completed", []string{"response.created response.completed",
			"response.created response.output_text.delta response.completed"}, []string{"response.completed"}},
	}
	for _, c := range cases {
		contract, err := assert.ParseContract([]byte("grammar: '"+c.grammar+"'\n"), "g.yaml")
		if err != nil {
			t.Fatalf("%q: %v", c.grammar, err)
		}
		check := func(seq string) bool {
			var evs []assert.Event
			for i, typ := range strings.Fields(seq) {
				e := assert.Event{N: i + 1}
				e.Type = typ
				evs = append(evs, e)
			}
			return assert.Check(contract, "g", evs).Passed()
		}
		for _, seq := range c.take {
			if !check(seq) {
				t.Errorf("%q refuses %q", c.grammar, seq)
			}
		}
		for _, seq := range c.refuse {
			if check(seq) {
				t.Errorf("%q takes %q", c.grammar, seq)
			}
		}
	}
}

// FuzzParseContract: the contract loader never panics on any bytes, and a
// contract it accepts checks any stream.
func FuzzParseContract(f *testing.F) {
	f.Add([]byte(seedContract))
	f.Add([]byte("rules:\n  - {lst: done}\n"))
	f.Add([]byte("grammar: 'a ( b'\n"))
	f.Add([]byte("rules:\n  - {pair: {open: a.x, close: b.x}, severity: warning}\n  - {max-gap: 1s}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := assert.ParseContract(data, "fuzz.yaml")
		if err != nil {
			return
		}
		body, _ := fixtures.FS.ReadFile("raw/agent.sse")
		assert.Check(c, "fuzz", decode(t, body))
	})
}
