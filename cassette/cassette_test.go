package cassette

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ssetape/ssetape/sse"
)

// ignorePos leaves out what is not part of the saved content.
var ignorePos = cmp.Options{
	cmpopts.IgnoreFields(Cassette{}, "File"),
	cmpopts.IgnoreFields(Interaction{}, "Line", "FaultLines"),
	cmpopts.IgnoreFields(Entry{}, "Line"),
	cmpopts.EquateEmpty(),
}

func sample(t testing.TB) *Cassette {
	c := &Cassette{Version: 1, Name: "agent", Interactions: []*Interaction{{
		Request: Request{Method: "POST", Path: "/api/chat?x=1", Headers: Headers{"Content-Type": {"application/json"}, "Set-Cookie": {"a=1", "b=2"}},
			Body: []byte("{\"message\": \"この資料を分析して\"}")},
		Match:  Match{Body: BodyMatch{Mode: BodyIgnore, Paths: []Path{mustPath(t, "$.metadata.request_id")}}},
		Faults: []string{"close:after=3", `inject:after=2,type=error,data="{\"a\":1}"`},
		Response: Response{Status: 200, Headers: Headers{"Content-Type": {"text/event-stream; charset=utf-8"}}, HeadersAt: 12 * time.Millisecond,
			End: &End{At: 2 * time.Second, Reason: EOF}},
	}, {
		Request:  Request{Method: "GET", Path: "/health"},
		Response: Response{Status: 503, Body: []byte{0xff, 0x00, 'x'}, End: &End{At: time.Millisecond, Reason: Failed, Error: "boom"}},
	}, {
		Request: Request{Method: "GET", Path: "/events"},
		Match:   Match{AnyMethod: true, Body: BodyMatch{Mode: BodyAny}},
		Response: Response{Status: 200, Entries: []Entry{
			{At: 0, Retry: 2 * time.Second, HasRetry: true},
			{At: time.Millisecond, ID: "1", HasID: true, Event: "tick", Data: "line one\nline two", HasData: true},
			{At: 1500 * time.Microsecond, Comment: "ping"},
			{At: 2 * time.Second, ID: "", HasID: true},
			{At: 2 * time.Second, Data: "", HasData: true},
			{At: 3 * time.Second, Event: "end"},
			{At: 4 * time.Second, Raw: "data: cut"},
		}},
	}}}
	chunks := []Chunk{
		{At: 15 * time.Millisecond, Data: []byte("event: thinking\r\ndata: {\"type\":\"thinking\",\"content\":\"処理中...\"}\r\n\r\n")},
		{At: 640 * time.Millisecond, Data: []byte("event: text_delta\r\ndata: {\"type\":\"text_delta\",\"content\":\"結\xe6")},
		{At: 641 * time.Millisecond, Data: []byte("\x9e\x9c\"}\r\n\r\n: ping\r\n\r\nevent: done\r\ndata: {\"type\":\"done\"}\r\n\r\n")},
	}
	if err := c.Interactions[0].Response.SetChunks(chunks); err != nil {
		t.Fatal(err)
	}
	return c
}

func mustPath(t testing.TB, s string) Path {
	p, err := ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	c := sample(t)
	first, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := Parse(first, "sample.yaml")
	if err != nil {
		t.Fatalf("Parse of saved cassette: %v\n%s", err, first)
	}
	if diff := cmp.Diff(c, loaded, ignorePos); diff != "" {
		t.Errorf("load(save(x)) != x (-want +got):\n%s", diff)
	}
	second, err := Marshal(loaded)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("save(load(save(x))) != save(x):\n%s\n---\n%s", first, second)
	}
	if loaded.Interactions[0].Response.Edited() {
		t.Error("an unedited recorded stream reads as edited")
	}
}

func TestWriteFileIsAtomicAndLoadable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, sample(t)); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.File != path || len(c.Interactions) != 3 {
		t.Errorf("loaded %q with %d interactions", c.File, len(c.Interactions))
	}
}

func TestSetChunksEntries(t *testing.T) {
	r := sample(t).Interactions[0].Response
	want := []Entry{
		{At: 15 * time.Millisecond, Event: "thinking", Data: `{"type":"thinking","content":"処理中..."}`, HasData: true},
		{At: 641 * time.Millisecond, Event: "text_delta", Data: `{"type":"text_delta","content":"結果"}`, HasData: true},
		{At: 641 * time.Millisecond, Comment: "ping"},
		{At: 641 * time.Millisecond, Event: "done", Data: `{"type":"done"}`, HasData: true},
	}
	if diff := cmp.Diff(want, r.Entries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if r.Wire.LineEnding != sse.CRLF {
		t.Errorf("line ending %v, want crlf", r.Wire.LineEnding)
	}
}

func TestPlan(t *testing.T) {
	r := sample(t).Interactions[0].Response
	chunks, edited, err := r.Chunks(false)
	if err != nil || edited {
		t.Fatalf("Plan of unedited: edited=%v err=%v", edited, err)
	}
	if diff := cmp.Diff(r.Wire.Chunks, chunks); diff != "" {
		t.Errorf("unedited plan is not the wire (-want +got):\n%s", diff)
	}

	r.Entries[1].Data = `{"type":"text_delta","content":"変更"}`
	if !r.Edited() {
		t.Fatal("edit not detected")
	}
	if _, _, err := r.Chunks(true); !errors.Is(err, ErrEdited) {
		t.Errorf("strict Plan of edited: %v, want ErrEdited", err)
	}
	chunks, edited, err = r.Chunks(false)
	if err != nil || !edited {
		t.Fatalf("Plan of edited: edited=%v err=%v", edited, err)
	}
	if len(chunks) != len(r.Entries) {
		t.Fatalf("%d chunks for %d entries", len(chunks), len(r.Entries))
	}
	if string(chunks[1].Data) != "event: text_delta\r\ndata: {\"type\":\"text_delta\",\"content\":\"変更\"}\r\n\r\n" || chunks[1].At != 641*time.Millisecond {
		t.Errorf("edited chunk = %q at %v", chunks[1].Data, chunks[1].At)
	}
	if string(chunks[2].Data) != ": ping\r\n\r\n" {
		t.Errorf("comment chunk = %q", chunks[2].Data)
	}
}

func TestPlanHandWritten(t *testing.T) {
	c := sample(t)
	chunks, edited, err := c.Interactions[2].Response.Chunks(true)
	if err != nil || edited {
		t.Fatalf("hand-written: edited=%v err=%v", edited, err)
	}
	var body []byte
	for _, ch := range chunks {
		body = append(body, ch.Data...)
	}
	want := "retry: 2000\n\nid: 1\nevent: tick\ndata: line one\ndata: line two\n\n: ping\n\nid:\n\ndata:\n\nevent: end\n\ndata: cut"
	if string(body) != want {
		t.Errorf("body = %q\nwant   %q", body, want)
	}
}

// An error case: the YAML, the position and text the error must have.
var badCassettes = []struct {
	name, yaml, want string
}{
	{"empty", "", "x.yaml: the file is empty (a cassette starts with version: 1)"},
	{"not yaml", "version: 1\ninteractions: [\n", "x.yaml:2: not valid YAML"},
	{"no version", "name: a\ninteractions: []\n", "x.yaml:1:1: version: missing (add version: 1 at the top)"},
	{"newer version", "version: 2\n", "x.yaml:1:10: version: this cassette is format version 2, newer than this ssetape reads (1) (upgrade ssetape to read it)"},
	{"version string", "version: one\n", "x.yaml:1:10: version: must be a whole number"},
	{"unknown key typo", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response:\n      entries:\n        - {at: 1ms, dta: x}\n",
		"x.yaml:6:21: interactions[0].response.entries[0].dta: unknown key (did you mean data?)"},
	{"unknown top key", "version: 1\ninteraction: []\n", "x.yaml:2:1: interaction: unknown key (did you mean interactions?)"},
	{"data as mapping", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response:\n      entries:\n        - at: 1ms\n          data: {\"type\": \"done\"}\n",
		`x.yaml:7:17: interactions[0].response.entries[0].data: data must be a string, not parsed YAML or JSON (quote it: data: '{"type":"done"}')`},
	{"duration without unit", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response: {headers_at: 15}\n",
		`x.yaml:4:28: interactions[0].response.headers_at: "15" is not a duration (a duration needs a unit: 15ms or 15s)`},
	{"negative at", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response:\n      entries: [{at: -1s, data: x}]\n",
		"interactions[0].response.entries[0].at: -1s is negative"},
	{"out of order", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response:\n      entries: [{at: 2s, data: x}, {at: 1s, data: y}]\n",
		"x.yaml:5:41: interactions[0].response.entries[1].at: 1s is before the previous entry's 2s"},
	{"missing at", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response:\n      entries: [{data: x}]\n",
		"interactions[0].response.entries[0].at: missing"},
	{"bad path", "version: 1\ninteractions:\n  - request: {method: GET, path: api}\n    response: {}\n",
		`x.yaml:3:34: interactions[0].request.path: "api" does not start with /`},
	{"missing request", "version: 1\ninteractions:\n  - response: {}\n", "interactions[0].request: missing"},
	{"bad status", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response: {status: 999}\n", "999 is not an HTTP status"},
	{"header not list", "version: 1\ninteractions:\n  - request: {method: GET, path: /, headers: {Accept: text/html}}\n    response: {}\n",
		"interactions[0].request.headers.Accept: header values are a list (Accept: [text/html])"},
	{"duplicate header", "version: 1\ninteractions:\n  - request: {method: GET, path: /, headers: {accept: [a], Accept: [b]}}\n    response: {}\n",
		"headers.Accept: given twice"},
	{"id with newline", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response:\n      entries: [{at: 1s, id: \"a\\nb\", data: x}]\n",
		"an id cannot hold CR, LF or NUL"},
	{"raw with data", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response:\n      entries: [{at: 1s, raw: x, data: y}]\n",
		"raw is sent as it is and cannot be combined"},
	{"entries and body", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response: {entries: [], body: x}\n",
		"a response has entries (a stream) or a body, not both"},
	{"bad reason", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response: {end: {at: 1s, reason: done}}\n",
		`unknown reason "done"`},
	{"bad match body", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    match: {body: loose}\n    response: {}\n",
		`body match "loose": want exact or any`},
	{"bad json path", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    match: {body: {ignore: [metadata.id]}}\n    response: {}\n",
		`x.yaml:4:29: interactions[0].match.body.ignore: JSON path "metadata.id" must start with $`},
	{"both ignore and only", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    match: {body: {ignore: [$.a], only: [$.b]}}\n    response: {}\n",
		"give exactly one of ignore and only"},
	{"faults not list", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    faults: close\n    response: {}\n",
		"interactions[0].faults: must be a list of strings"},
	{"chunk both", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response:\n      wire: {checksum: x, chunks: [{at: 1s, text: a, base64: YQ==}]}\n",
		"a chunk has exactly one of text and base64"},
	{"bad base64", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response:\n      wire: {checksum: x, chunks: [{at: 1s, base64: \"!!\"}]}\n",
		"not valid base64"},
	{"bad line ending", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response:\n      wire: {line_ending: lfcr, checksum: x, chunks: []}\n",
		`unknown line ending "lfcr" (one of lf, crlf, cr)`},
	{"interactions not list", "version: 1\ninteractions: {}\n", "interactions: must be a list of interactions"},
	{"empty data", "version: 1\ninteractions:\n  - request: {method: GET, path: /}\n    response:\n      entries: [{at: 1s, data: }]\n",
		"data: is empty (write '' for an empty string)"},
}

func TestParseErrors(t *testing.T) {
	for _, c := range badCassettes {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml), "x.yaml")
			if err == nil {
				t.Fatalf("no error for:\n%s", c.yaml)
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error is %T, want Errors", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error:\n%s\nwant it to contain:\n%s", err, c.want)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	y := "version: 1\ninteractions:\n  - request: {method: GET, path: a}\n    response: {status: 1, headers_at: x}\n"
	_, err := Parse([]byte(y), "x.yaml")
	var es Errors
	if !errors.As(err, &es) || len(es) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
}

func TestParseDefaultsAndLeniency(t *testing.T) {
	y := `version: 1
interactions:
  - request: {path: /api/chat}
    response:
      entries:
        - {at: 0, data: 42}
        - at: 1s
          data: |
            line one
            line two
`
	c, err := Parse([]byte(y), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	it := c.Interactions[0]
	if it.Request.Method != "GET" || it.Response.Status != 200 {
		t.Errorf("defaults: method %q status %d", it.Request.Method, it.Response.Status)
	}
	if e := it.Response.Entries; e[0].Data != "42" || e[1].Data != "line one\nline two\n" || e[1].Line != 7 {
		t.Errorf("entries = %+v", e)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestLooksLikeCassette(t *testing.T) {
	for in, want := range map[string]bool{
		"version: 1\n":          true,
		"# c\n\nversion: 1\n":   true,
		"---\nversion: 1\n":     true,
		"data: x\n\n":           false,
		"event: version\n":      false,
		"name: x\nversion: 1\n": false,
		"\r\nversion: 1\r\n":    true,
		"":                      false,
		": version: 1\n":        false,
		"\xEF\xBB\xBFdata: 1\n": false,
	} {
		if got := LooksLikeCassette([]byte(in)); got != want {
			t.Errorf("LooksLikeCassette(%q) = %v", in, got)
		}
	}
}

func TestParsePath(t *testing.T) {
	p, err := ParsePath(`$.messages[0]["content-type"].text`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"messages", 0, "content-type", "text"}, p.Steps); diff != "" {
		t.Error(diff)
	}
	for _, bad := range []string{"", "$", "a.b", "$..a", "$[x]", "$[-1]", `$["a]`, "$.a[0"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q): no error", bad)
		}
	}
}

// events decodes a body the way a client would.
func events(t testing.TB, body []byte) []sse.Event {
	d := sse.NewDecoder(bytes.NewReader(body))
	var out []sse.Event
	for {
		e, err := d.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		e.Start, e.End = 0, 0
		out = append(out, e)
	}
}

func join(chunks []Chunk) []byte {
	b, _ := joinChunks(chunks)
	return b
}
