package replayer

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/replayer/internal/jsonbody"
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
	// alone is the set of only this interaction, and aloneKey its name
	// (setKey): what most requests match, made once rather than for each.
	alone    []*recorded
	aloneKey string
}

func prepare(index int, file string, n int, it *cassette.Interaction, strict bool) (*recorded, error) {
	r := &recorded{index: index, file: file, it: it, redacted: map[string]bool{}}
	r.alone = []*recorded{r}
	r.aloneKey = setKey(r.alone)
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
	r.body, r.bodyJSON = jsonbody.Parse(it.Request.Body)
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
	return r.it.Request.Method + " " + jsonbody.Canonical(r.it.Request.Body, r.body, r.bodyJSON), true
}

// hasRedactedBody reports whether the recorded body holds a redacted value,
// which matches any value (so the body is not compared exactly).
func (r *recorded) hasRedactedBody() bool {
	return r.bodyJSON && bytes.Contains(r.it.Request.Body, []byte(cassette.Redacted))
}

// exactKey is a request's index key: its method and canonical body.
func (in *incoming) exactKey() string {
	return in.method + " " + jsonbody.Canonical(in.body, in.bodyJSON, in.isJSON)
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
	if in.query.matches(r.query, r.redacted) {
		return ""
	}
	return fmt.Sprintf("query %s, recorded %s", in.query.forMatching(r.redacted), r.query)
}

func (r *recorded) bodyDiff(in *incoming, m cassette.BodyMatch) string {
	if r.bodyJSON && in.isJSON {
		a, b := r.body, in.bodyJSON
		switch m.Mode {
		case cassette.BodyIgnore:
			a, b = jsonbody.Without(a, steps(m.Paths)...), jsonbody.Without(b, steps(m.Paths)...)
		case cassette.BodyOnly:
			for _, p := range m.Paths {
				va, oka := jsonbody.Lookup(a, p.Steps)
				vb, okb := jsonbody.Lookup(b, p.Steps)
				if oka != okb || oka && jsonbody.Differ(va, vb, cassette.Redacted) {
					return fmt.Sprintf("body %s is %s, recorded %s", p.Text, jsonbody.Show(vb, okb), jsonbody.Show(va, oka))
				}
			}
			return ""
		}
		if path, got, want := jsonbody.FirstDiff("$", a, b, cassette.Redacted); path != "" {
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
		return fmt.Sprintf("body %s, recorded %s", jsonbody.Excerpt(in.body), jsonbody.Excerpt(r.it.Request.Body))
	}
	return ""
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

// steps lists the paths' steps, as jsonbody takes them.
func steps(paths []cassette.Path) [][]any {
	out := make([][]any, len(paths))
	for i, p := range paths {
		out[i] = p.Steps
	}
	return out
}
