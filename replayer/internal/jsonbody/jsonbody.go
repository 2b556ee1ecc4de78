// Package jsonbody holds the JSON value operations request matching needs:
// parsing a body once, its canonical form for the exact-match index, the
// first difference between a recorded and an incoming body (for the 404
// message), and looking up or removing JSON paths.
//
// Values are what encoding/json decodes into any with UseNumber: maps,
// slices, strings, json.Number, bools and nil. A path is a list of steps,
// each a string (an object key) or an int (an array index), as
// cassette.Path.Steps holds them.
package jsonbody

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/ssetape/ssetape/internal/clip"
)

// Parse decodes a body that is one JSON object or array. It reports false
// for anything else (an empty body, a scalar, trailing data), which the
// matcher then compares byte for byte.
func Parse(b []byte) (any, bool) {
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

// Canonical is a body as the exact comparison sees it: JSON re-encoded
// (keys sorted, no spacing), anything else as it is. The prefixes keep a
// JSON body and a raw body that happen to spell the same apart.
func Canonical(raw []byte, parsed any, isJSON bool) string {
	if !isJSON {
		return "b:" + string(raw)
	}
	b, err := json.Marshal(parsed)
	if err != nil {
		return "b:" + string(raw)
	}
	return "j:" + string(b)
}

// FirstDiff finds the first place, in sorted key order, where two JSON
// values differ; it returns the path and both values shown, or "" when they
// are equal. A recorded value equal to wildcard (the REDACTED marker)
// matches any value: redaction never turns a recording into a 404.
func FirstDiff(path string, want, got any, wildcard string) (string, string, string) {
	if w, ok := want.(string); ok && w == wildcard {
		return "", "", ""
	}
	switch w := want.(type) {
	case map[string]any:
		if g, ok := got.(map[string]any); ok {
			return firstDiffObject(path, w, g, wildcard)
		}
	case []any:
		if g, ok := got.([]any); ok {
			return firstDiffArray(path, w, g, wildcard)
		}
	}
	if !reflect.DeepEqual(want, got) {
		return path, Show(got, true), Show(want, true)
	}
	return "", "", ""
}

func firstDiffObject(path string, w, g map[string]any, wildcard string) (string, string, string) {
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
			return path + "." + k, Show(gv, gok), Show(wv, wok)
		}
		if p, a, b := FirstDiff(path+"."+k, wv, gv, wildcard); p != "" {
			return p, a, b
		}
	}
	return "", "", ""
}

func firstDiffArray(path string, w, g []any, wildcard string) (string, string, string) {
	for i := 0; i < len(w) && i < len(g); i++ {
		if p, a, b := FirstDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], wildcard); p != "" {
			return p, a, b
		}
	}
	if len(w) != len(g) {
		return path, fmt.Sprintf("%d items", len(g)), fmt.Sprintf("%d items", len(w))
	}
	return "", "", ""
}

// Differ reports whether two JSON values differ, as FirstDiff sees them.
func Differ(want, got any, wildcard string) bool {
	p, _, _ := FirstDiff("$", want, got, wildcard)
	return p != ""
}

// Show writes a JSON value as JSON, cut to 80 bytes: a string shows once
// in its JSON quotes ("大阪"), not quoted again. ok false shows "missing".
func Show(v any, ok bool) string {
	if !ok {
		return "missing"
	}
	b, _ := json.Marshal(v)
	return clip.String(string(b), 80)
}

// Excerpt quotes raw bytes, cut to 80 bytes.
func Excerpt(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	return fmt.Sprintf("%q", clip.String(string(b), 80))
}

// Lookup follows a path's steps.
func Lookup(v any, steps []any) (any, bool) {
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
			if !ok || k < 0 || k >= len(a) {
				return nil, false
			}
			v = a[k]
		}
	}
	return v, true
}

// Without returns a copy of v with the paths removed; v is not changed.
// Array items at a path are set to null, so that indexes keep their
// meaning.
func Without(v any, paths ...[]any) any {
	v = deepCopy(v)
	for _, steps := range paths {
		if len(steps) == 0 {
			continue
		}
		parent, ok := Lookup(v, steps[:len(steps)-1])
		if !ok {
			continue
		}
		switch k := steps[len(steps)-1].(type) {
		case string:
			if m, ok := parent.(map[string]any); ok {
				delete(m, k)
			}
		case int:
			if a, ok := parent.([]any); ok && k >= 0 && k < len(a) {
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
