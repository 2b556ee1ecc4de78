package replayer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/ssetape/ssetape/cassette"
)

// query is a parsed query string: each name with its values in order.
type query map[string][]string

// parseQuery reads a raw query string itself, so that a ';' (which Go's
// url.ParseQuery rejects, silently dropping the parameter) is reported
// instead of lost.
func parseQuery(raw string) (query, error) {
	q := query{}
	if raw == "" {
		return q, nil
	}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		if strings.Contains(part, ";") {
			return nil, fmt.Errorf("the query parameter %q holds a ';': send it as %%3B", part)
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("query parameter %q: %v", part, err)
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("query parameter %q: %v", part, err)
		}
		q[key] = append(q[key], val)
	}
	return q, nil
}

// forMatching drops what is never matched: ssetape's own parameters, and
// parameters the cassette holds redacted (then the request's value is not
// compared either).
func (q query) forMatching(redacted map[string]bool) query {
	out := query{}
	for k, v := range q {
		if strings.HasPrefix(k, "ssetape_") || redacted[k] {
			continue
		}
		out[k] = v
	}
	return out
}

func (q query) String() string {
	if len(q) == 0 {
		return "(none)"
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, "&")
}

// recorded is an interaction prepared for matching.
type recorded struct {
	index    int // across all cassettes, from 0
	file     string
	it       *cassette.Interaction
	path     string
	query    query
	redacted map[string]bool
	body     any // the body parsed as JSON, or nil
	bodyJSON bool
	label    string // "agent.yaml:24 (interaction 1)"
	faults   []*FaultSpec
}

func prepare(index int, file string, n int, it *cassette.Interaction) (*recorded, error) {
	p, rawQuery, _ := strings.Cut(it.Request.Path, "?")
	q, err := parseQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	r := &recorded{index: index, file: file, it: it, path: p, redacted: map[string]bool{}}
	for k, vs := range q {
		for _, v := range vs {
			if v == "REDACTED" {
				r.redacted[k] = true
			}
		}
	}
	r.query = q.forMatching(r.redacted)
	r.body, r.bodyJSON = parseJSON(it.Request.Body)
	r.label = fmt.Sprintf("%s:%d (interaction %d)", file, it.Line, n)
	if it.Line == 0 {
		r.label = fmt.Sprintf("%s (interaction %d)", file, n)
	}
	return r, nil
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
				if oka != okb || !reflect.DeepEqual(va, vb) {
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

func show(v any, ok bool) string {
	if !ok {
		return "missing"
	}
	b, _ := json.Marshal(v)
	return excerpt(b)
}

func excerpt(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	s := string(b)
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// firstDiff finds the first place where two JSON values differ; it returns
// the path and both values shown, or "" when they are equal.
func firstDiff(path string, want, got any) (string, string, string) {
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
