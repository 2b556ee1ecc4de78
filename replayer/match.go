package replayer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/replayer/fault"
)

// recorded is an interaction prepared for matching and serving.
type recorded struct {
	index    int // across the server, from 0; never reused
	file     string
	it       *cassette.Interaction
	path     string
	query    query
	redacted map[string]bool
	body     any // the body parsed as JSON, or nil
	bodyJSON bool
	// label names it in logs, the journal and the control API: "FILE#N",
	// N from 1 in its cassette ("cassette:ID#N" for one added at run time).
	label  string
	where  string // label plus the line, for messages about the file: "agent.yaml#1 (line 24)"
	faults []*fault.Spec
	prep   *prepared // the stream worked out once; nil for a response that is not a stream
}

func prepare(index int, file string, n int, it *cassette.Interaction, strict bool) (*recorded, error) {
	r := &recorded{index: index, file: file, it: it, redacted: map[string]bool{}}
	r.label = fmt.Sprintf("%s#%d", file, n)
	r.where = r.label
	if it.Line > 0 {
		r.where = fmt.Sprintf("%s (line %d)", r.label, it.Line)
	}
	p, rawQuery, _ := strings.Cut(it.Request.Path, "?")
	q, err := parseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: interaction %d: request.path: %w", file, it.Line, n, err)
	}
	r.path = p
	for k, vs := range q {
		for _, v := range vs {
			if v == cassette.Redacted {
				r.redacted[k] = true
			}
		}
	}
	r.query = q.forMatching(r.redacted)
	r.body, r.bodyJSON = parseJSON(it.Request.Body)
	if r.faults, err = CassetteFaults(file, n-1, it); err != nil {
		return nil, err
	}
	if it.Response.IsStream() {
		if r.prep, err = prepareStream(&it.Response, strict); err != nil {
			return nil, fmt.Errorf("%s: %w", r.where, err)
		}
	}
	return r, nil
}

// CassetteFaults parses an interaction's faults: (its index in the cassette
// from 0). A bad spec is an error with the file, its line and the key, as a
// cassette's own errors are: inspect and assert check a cassette's faults
// with it too.
func CassetteFaults(file string, index int, it *cassette.Interaction) ([]*fault.Spec, error) {
	var out []*fault.Spec
	for j, spec := range it.Faults {
		fs, err := fault.Parse(spec)
		if err != nil {
			e := &cassette.Error{File: file, Key: fmt.Sprintf("interactions[%d].faults[%d]", index, j), Msg: err.Error(),
				Hint: "docs/faults.md lists the faults and their keys"}
			if j < len(it.FaultLines) {
				e.Line = it.FaultLines[j]
			}
			return nil, e
		}
		out = append(out, fs...)
	}
	return out, nil
}

// exactKey is the index key of an interaction whose method and body are
// compared exactly: the method and the canonical body. false for one
// matched more loosely (any method, a body that is any, ignored in part or
// compared only in part).
func (r *recorded) exactKey(bodyAny bool) (string, bool) {
	if bodyAny || r.it.Match.AnyMethod || r.it.Match.Body.Mode != cassette.BodyExact || r.hasRedactedBody() {
		return "", false
	}
	return r.it.Request.Method + " " + canonicalBody(r.it.Request.Body, r.body, r.bodyJSON), true
}

// hasRedactedBody reports whether the recorded body holds a redacted value,
// which matches any value (so the body is not compared exactly).
func (r *recorded) hasRedactedBody() bool {
	return r.bodyJSON && bytes.Contains(r.it.Request.Body, []byte(cassette.Redacted))
}

// exactKey is a request's index key: its method and canonical body.
func (in *incoming) exactKey() string {
	return in.method + " " + canonicalBody(in.body, in.bodyJSON, in.isJSON)
}

// canonicalBody is a body as the exact comparison sees it: JSON re-encoded
// (keys sorted, no spacing), anything else as it is.
func canonicalBody(raw []byte, parsed any, isJSON bool) string {
	if !isJSON {
		return "b:" + string(raw)
	}
	b, err := json.Marshal(parsed)
	if err != nil {
		return "b:" + string(raw)
	}
	return "j:" + string(b)
}

func parseJSON(b []byte) (any, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, false
	}
	return v, true
}

// incoming is a request prepared for matching.
type incoming struct {
	method   string
	path     string
	query    query
	body     []byte
	bodyJSON any
	isJSON   bool
}

// difference says why a recorded interaction does not match a request, or
// "" when it does.
func (r *recorded) difference(in *incoming, bodyAny bool) string {
	if r.path != in.path {
		return fmt.Sprintf("path %s, recorded %s", in.path, r.path)
	}
	if !r.it.Match.AnyMethod && r.it.Request.Method != in.method {
		return fmt.Sprintf("method %s, recorded %s", in.method, r.it.Request.Method)
	}
	if d := r.queryDiff(in); d != "" {
		return d
	}
	m := r.it.Match.Body
	if bodyAny || m.Mode == cassette.BodyAny {
		return ""
	}
	if d := r.bodyDiff(in, m); d != "" {
		return d
	}
	return ""
}

func (r *recorded) queryDiff(in *incoming) string {
	q := in.query.forMatching(r.redacted)
	if !reflect.DeepEqual(map[string][]string(q), map[string][]string(r.query)) {
		return fmt.Sprintf("query %s, recorded %s", q, r.query)
	}
	return ""
}

func (r *recorded) bodyDiff(in *incoming, m cassette.BodyMatch) string {
	if r.bodyJSON && in.isJSON {
		a, b := r.body, in.bodyJSON
		switch m.Mode {
		case cassette.BodyIgnore:
			a, b = without(a, m.Paths), without(b, m.Paths)
		case cassette.BodyOnly:
			for _, p := range m.Paths {
				va, oka := lookup(a, p.Steps)
				vb, okb := lookup(b, p.Steps)
				if oka != okb || oka && firstDiffPath(va, vb) {
					return fmt.Sprintf("body %s is %s, recorded %s", p.Text, show(vb, okb), show(va, oka))
				}
			}
			return ""
		}
		if path, got, want := firstDiff("$", a, b); path != "" {
			return fmt.Sprintf("body %s is %s, recorded %s", path, got, want)
		}
		return ""
	}
	if m.Mode != cassette.BodyExact {
		if !in.isJSON {
			return "body is not JSON, and the interaction compares JSON paths"
		}
		return "the recorded body is not JSON, and the interaction compares JSON paths"
	}
	if !bytes.Equal(r.it.Request.Body, in.body) {
		return fmt.Sprintf("body %s, recorded %s", excerpt(in.body), excerpt(r.it.Request.Body))
	}
	return ""
}

// show writes a JSON value as JSON, cut to 80 bytes: a string shows once
// in its JSON quotes ("大阪"), not quoted again.
func show(v any, ok bool) string {
	if !ok {
		return "missing"
	}
	b, _ := json.Marshal(v)
	return fault.Short(string(b), 80)
}

// excerpt quotes raw bytes, cut to 80 bytes.
func excerpt(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	return fmt.Sprintf("%q", fault.Short(string(b), 80))
}

// firstDiff finds the first place where two JSON values differ; it returns
// the path and both values shown, or "" when they are equal. A recorded
// value redacted to "REDACTED" matches any value: redaction never turns a
// recording into a 404.
func firstDiff(path string, want, got any) (string, string, string) {
	if w, ok := want.(string); ok && w == cassette.Redacted {
		return "", "", ""
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, in := w[k]; !in {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			wv, wok := w[k]
			gv, gok := g[k]
			if wok != gok {
				return path + "." + k, show(gv, gok), show(wv, wok)
			}
			if p, a, b := firstDiff(path+"."+k, wv, gv); p != "" {
				return p, a, b
			}
		}
		return "", "", ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			break
		}
		for i := 0; i < len(w) && i < len(g); i++ {
			if p, a, b := firstDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); p != "" {
				return p, a, b
			}
		}
		if len(w) != len(g) {
			return path, fmt.Sprintf("%d items", len(g)), fmt.Sprintf("%d items", len(w))
		}
		return "", "", ""
	}
	if !reflect.DeepEqual(want, got) {
		return path, show(got, true), show(want, true)
	}
	return "", "", ""
}

// firstDiffPath reports whether two JSON values differ, as firstDiff sees
// them.
func firstDiffPath(want, got any) bool {
	p, _, _ := firstDiff("$", want, got)
	return p != ""
}

// lookup follows a JSON path's steps.
func lookup(v any, steps []any) (any, bool) {
	for _, s := range steps {
		switch k := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[k]; !ok {
				return nil, false
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil, false
			}
			v = a[k]
		}
	}
	return v, true
}

// without returns a copy of v with the paths removed (array items at a path
// are set to null, so that indexes keep their meaning).
func without(v any, paths []cassette.Path) any {
	v = deepCopy(v)
	for _, p := range paths {
		if len(p.Steps) == 0 {
			continue
		}
		parent, ok := lookup(v, p.Steps[:len(p.Steps)-1])
		if !ok {
			continue
		}
		switch k := p.Steps[len(p.Steps)-1].(type) {
		case string:
			if m, ok := parent.(map[string]any); ok {
				delete(m, k)
			}
		case int:
			if a, ok := parent.([]any); ok && k < len(a) {
				a[k] = nil
			}
		}
	}
	return v
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = deepCopy(x)
		}
		return a
	}
	return v
}

// closeness ranks how near a recorded interaction is to a request, for the
// 404 message: same path first, then method, then query.
func (r *recorded) closeness(in *incoming) int {
	score := 0
	if r.path == in.path {
		score += 8
	} else if strings.HasPrefix(in.path, r.path) || strings.HasPrefix(r.path, in.path) {
		score += 2
	}
	if r.it.Match.AnyMethod || r.it.Request.Method == in.method {
		score += 4
	}
	if r.queryDiff(in) == "" {
		score++
	}
	return score
}
