package assert_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ssetape/ssetape/assert"
)

func TestCheckHeaders(t *testing.T) {
	sse := http.Header{"Content-Type": {"text/event-stream"}}
	vercel := http.Header{"Content-Type": {"text/event-stream"}, "X-Vercel-Ai-Ui-Message-Stream": {"v1"}}
	lgEvents := decode(t, []byte(langgraphValid))
	for _, tc := range []struct {
		name   string
		c      *assert.Contract
		h      http.Header
		events []assert.Event
		want   string // the rules found, joined; "" passes
	}{
		{"vercel ok", assert.VercelAI(), vercel, nil, ""},
		{"vercel without the header", assert.VercelAI(), sse, nil, "VAI-1"},
		{"vercel as JSON", assert.VercelAI(), http.Header{"Content-Type": {"application/json"}, "X-Vercel-Ai-Ui-Message-Stream": {"v1"}}, nil, "VAI-1"},
		{"vercel, no headers recorded", assert.VercelAI(), nil, nil, ""},
		{"mcp ok", assert.MCP(), http.Header{"Content-Type": {"text/event-stream; charset=utf-8"}}, nil, ""},
		{"mcp as JSON", assert.MCP(), http.Header{"Content-Type": {"application/json"}}, nil, "MCP-1"},
		{"langgraph without Content-Location", assert.LangGraph(), sse, lgEvents, ""},
		{"langgraph run matches", assert.LangGraph(), http.Header{"Content-Location": {"/threads/t1/runs/" + lgRunID(t, lgEvents)}}, lgEvents, ""},
		{"langgraph run differs", assert.LangGraph(), http.Header{"Content-Location": {"/threads/t1/runs/other-run"}}, lgEvents, "LG-1"},
		{"openai-chat has no header rules", assert.OpenAIChat(), http.Header{}, nil, ""},
	} {
		var got []string
		for _, v := range assert.CheckHeaders(tc.c, tc.h, tc.events) {
			got = append(got, v.Rule)
		}
		if tc.want == "" && len(got) > 0 || tc.want != "" && !strings.Contains(strings.Join(got, " "), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, got, tc.want)
		}
	}
}

// lgRunID returns the run_id of the metadata event.
func lgRunID(t *testing.T, evs []assert.Event) string {
	d := evs[0].Data
	i := strings.Index(d, `"run_id"`)
	if evs[0].Type != "metadata" || i < 0 {
		t.Fatalf("the langgraph stream starts with %s %s", evs[0].Type, d)
	}
	rest := d[i+len(`"run_id"`):]
	rest = rest[strings.Index(rest, `"`)+1:]
	return rest[:strings.Index(rest, `"`)]
}
