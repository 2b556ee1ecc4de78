package assert_test

import (
	"bytes"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/fixtures"
	"github.com/ssetape/ssetape/sse"
)

func decode(t *testing.T, body []byte) []assert.Event {
	t.Helper()
	d := sse.NewDecoder(bytes.NewReader(body))
	var out []assert.Event
	for {
		e, err := d.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, assert.Event{N: len(out) + 1, Event: e})
	}
}

// eols returns the stream in LF, CRLF and CR.
func eols(body string) map[string]string {
	lf := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(body)
	return map[string]string{"lf": lf, "crlf": strings.ReplaceAll(lf, "\n", "\r\n"), "cr": strings.ReplaceAll(lf, "\n", "\r")}
}

func rules(r *assert.Report, sev assert.Severity) []string {
	var out []string
	for _, v := range r.Violations {
		if v.Severity == sev {
			out = append(out, v.Rule)
		}
	}
	return out
}

// Every broken fixture fails under the invariant its first comment names,
// in every line ending; every valid one passes.
func TestAgentFixtures(t *testing.T) {
	names, _ := fs.Glob(fixtures.FS, "*/*.sse")
	for _, name := range names {
		data, _ := fixtures.FS.ReadFile(name)
		want := ""
		if strings.HasPrefix(name, "broken/") {
			first, _, _ := strings.Cut(string(data), "\n")
			want = strings.TrimSuffix(strings.Fields(first)[2], ":")
		}
		for eol, body := range eols(string(data)) {
			r := assert.Check(assert.Agent(), name, decode(t, []byte(body)))
			errs := rules(r, assert.Error)
			if want == "AGT-6" { // a design option: a warning
				errs = rules(r, assert.Warning)
			}
			switch {
			case want == "" && len(errs) > 0:
				t.Errorf("%s (%s): a valid stream fails: %+v", name, eol, r.Violations)
			case want != "" && !strings.Contains(strings.Join(errs, " "), want):
				t.Errorf("%s (%s): want %s among the errors, got %v (%+v)", name, eol, want, errs, r.Violations)
			}
		}
	}
}

func TestAgentCases(t *testing.T) {
	cases := []struct {
		name, stream string
		errors       string // rule IDs, in order
		warnings     string
	}{
		{"valid with ids", `event: thinking
data: {"type":"thinking","content":"..."}

event: tool_call
data: {"type":"tool_call","id":"c1","name":"search","arguments":{}}

event: tool_call
data: {"type":"tool_call","id":"c2","name":"search","arguments":{}}

event: tool_result
data: {"type":"tool_result","id":"c2","name":"search","is_error":false,"content":"b"}

event: tool_result
data: {"type":"tool_result","id":"c1","name":"search","is_error":false,"content":"a"}

event: text_delta
data: {"type":"text_delta","content":"ab"}

event: final_answer
data: {"type":"final_answer","content":"ab"}

event: done
data: {"type":"done","status":"ok"}

`, "", ""},
		{"pairing by name in order", `event: tool_call
data: {"type":"tool_call","tool":"search","input":{}}

event: tool_result
data: {"type":"tool_result","tool":"search","result":{}}

event: tool_result
data: {"type":"tool_result","tool":"search","result":{}}

event: done
data: {"type":"done"}

`, "AGT-4", ""},
		{"error path", `event: error
data: {"type":"error","message":"x"}

event: done
data: {"type":"done","status":"error"}

`, "", ""},
		{"tool call open at error is fine", `event: tool_call
data: {"type":"tool_call","id":"1","name":"s"}

event: error
data: {"type":"error","message":"x"}

event: done
data: {"type":"done","status":"error"}

`, "", ""},
		{"article done without status after error", `event: error
data: {"type":"error","message":"x"}

event: done
data: {"type":"done"}

`, "", ""},
		{"done says ok after error", `event: error
data: {"type":"error","message":"x"}

event: done
data: {"type":"done","status":"ok"}

`, "AGT-7", ""},
		{"result names the tool, call had an id", `event: tool_call
data: {"type":"tool_call","id":"c1","name":"search","arguments":{}}

event: tool_result
data: {"type":"tool_result","name":"search","content":"x"}

event: done
data: {"type":"done"}

`, "", ""},
		{"ids that differ do not pair", `event: tool_call
data: {"type":"tool_call","id":"c1","name":"search"}

event: tool_result
data: {"type":"tool_result","id":"c2","name":"search"}

event: done
data: {"type":"done"}

`, "AGT-4 AGT-4", ""},
		{"trailing DONE is a warning", `event: done
data: {"type":"done"}

data: [DONE]

`, "", "AGT-2"},
		{"DONE mid-stream is an error", `data: [DONE]

event: done
data: {"type":"done"}

`, "AGT-2", ""},
		{"deltas differ from final", `event: text_delta
data: {"type":"text_delta","content":"a"}

event: final_answer
data: {"type":"final_answer","content":"b"}

event: done
data: {"type":"done"}

`, "", "AGT-6"},
		{"not json", `event: text_delta
data: hello

event: done
data: {"type":"done"}

`, "AGT-2", ""},
		{"empty stream", ``, "AGT-1", ""},
		{"error, then the end without done", `event: thinking
data: {"type":"thinking","content":"..."}

event: error
data: {"type":"error","message":"boom"}

`, "AGT-1 AGT-3", ""},
		{"deltas after done are not compared with final_answer", `event: text_delta
data: {"type":"text_delta","content":"ab"}

event: final_answer
data: {"type":"final_answer","content":"ab"}

event: done
data: {"type":"done"}

event: text_delta
data: {"type":"text_delta","content":"late"}

`, "AGT-1", ""},
	}
	for _, c := range cases {
		for eol, body := range eols(c.stream) {
			r := assert.Check(assert.Agent(), c.name, decode(t, []byte(body)))
			if got := strings.Join(rules(r, assert.Error), " "); got != c.errors {
				t.Errorf("%s (%s): errors %q, want %q: %+v", c.name, eol, got, c.errors, r.Violations)
			}
			if got := strings.Join(rules(r, assert.Warning), " "); got != c.warnings {
				t.Errorf("%s (%s): warnings %q, want %q", c.name, eol, got, c.warnings)
			}
		}
	}
}

func TestViolationNamesTheEvent(t *testing.T) {
	data, _ := fixtures.FS.ReadFile("broken/text-after-final-answer.sse")
	r := assert.Check(assert.Agent(), "x", decode(t, data))
	errs := rules(r, assert.Error)
	if len(errs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	var v assert.Violation
	for _, x := range r.Violations {
		if x.Severity == assert.Error {
			v = x
		}
	}
	if v.Rule != "AGT-5" || v.Event != 4 || v.Type != "text_delta" || !strings.Contains(v.Excerpt, `"type":"text_delta"`) ||
		!strings.Contains(v.Message, "after final_answer (event 3); expected only done") || v.Offset == 0 {
		t.Errorf("violation %+v", v)
	}
}

func TestLooksLikeAgent(t *testing.T) {
	data, _ := fixtures.FS.ReadFile("raw/agent.sse")
	if !assert.LooksLikeAgent(decode(t, data)) {
		t.Error("the agent stream is not recognised")
	}
	if assert.LooksLikeAgent(decode(t, []byte("data: {\"choices\":[]}\n\ndata: [DONE]\n\n"))) {
		t.Error("an OpenAI stream is taken for the agent protocol")
	}
}
