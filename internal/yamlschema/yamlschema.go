// Package yamlschema reads YAML files against a schema of their own, the
// way ssetape's cassettes and contract files are read: strictly (unknown keys,
// wrong types, repeated keys, missing ones), reporting every problem (up to
// MaxErrors) with its file, line, column, the key and a hint (the closest
// known key for a typo), and placing bad characters and YAML syntax errors
// by line.
package yamlschema

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Error is one problem in a file, with where it is and what would fix it.
type Error struct {
	File         string
	Line, Column int
	// Key is the place in the cassette, such as
	// interactions[0].response.entries[3].data.
	Key  string
	Msg  string
	Hint string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Errors is every problem found in one file, in file order.
type Errors []*Error

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// MaxErrors is how many problems a Reader reports before it stops looking.
const MaxErrors = 20

// Reader reads one file, collecting its problems.
type Reader struct {
	File string
	Errs Errors
}

// Fail records a problem at n (nil: the file as a whole).
func (r *Reader) Fail(n *yaml.Node, key, msg, hint string) {
	if len(r.Errs) >= MaxErrors {
		return
	}
	e := &Error{File: r.File, Key: key, Msg: msg, Hint: hint}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	r.Errs = append(r.Errs, e)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Document parses data as one YAML document and returns its root (nil for
// an empty file); false after a problem: a byte YAML cannot hold, a syntax
// error, a second document.
func (r *Reader) Document(data []byte) (*yaml.Node, bool) {
	if e := badCharacter(data); e != nil {
		e.File = r.File
		r.Errs = append(r.Errs, e)
		return nil, false
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		msg := err.Error()
		e := &Error{File: r.File, Msg: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: "),
			Hint: "check the indentation and quoting near that line"}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = "not valid YAML: " + m[2]
		}
		r.Errs = append(r.Errs, e)
		return nil, false
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil {
		r.Fail(&second, "", "a second YAML document", "the file is one document: remove the --- and what follows, or put it in a file of its own")
		return nil, false
	}
	if len(doc.Content) == 0 {
		return nil, true
	}
	return Resolve(doc.Content[0]), true
}

// badCharacter finds the first byte a YAML document cannot hold: invalid
// UTF-8, or a control character other than tab, LF and CR (the YAML reader
// refuses both without saying where).
func badCharacter(data []byte) *Error {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			return &Error{Line: line, Column: col, Msg: fmt.Sprintf("not valid UTF-8 (byte 0x%02X)", data[i]),
				Hint: "a cassette is UTF-8; write other bytes with body_base64 or a wire chunk's base64"}
		case r == '\n':
			line, col = line+1, 0
		case r == '\t' || r == '\r':
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0 && r != 0x85) || r == 0xFEFF && i > 0 || r == 0xFFFE || r == 0xFFFF:
			return &Error{Line: line, Column: col, Msg: fmt.Sprintf("a control character (U+%04X)", r),
				Hint: `write it as an escape in a double-quoted string ("\u0001"), or the bytes with base64`}
		}
		i += n
		col++
	}
	return nil
}

// Fields maps the keys a mapping allows to what reads their values.
type Fields map[string]func(n *yaml.Node, key string)

// Mapping reads a mapping node, calling the field readers in file order. It
// reports unknown keys (with the closest known one), repeated keys and
// missing required keys.
func (r *Reader) Mapping(n *yaml.Node, key string, fs Fields, required ...string) {
	if n.Kind != yaml.MappingNode {
		r.Fail(n, key, "must be a mapping of "+knownKeys(fs), "")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := Resolve(n.Content[i]), Resolve(n.Content[i+1])
		name := kn.Value
		k := name
		if key != "" {
			k = key + "." + name
		}
		read, ok := fs[name]
		if !ok {
			hint := "known keys: " + knownKeys(fs)
			if near := closest(name, fs); near != "" {
				hint = "did you mean " + near + "?"
			}
			r.Fail(kn, k, "unknown key", hint)
			continue
		}
		if seen[name] {
			r.Fail(kn, k, "given twice", "keep one")
			continue
		}
		seen[name] = true
		read(vn, k)
	}
	for _, name := range required {
		if !seen[name] {
			k := name
			if key != "" {
				k = key + "." + name
			}
			r.Fail(n, k, "missing", "add "+name+":")
		}
	}
}

func knownKeys(fs Fields) string {
	keys := make([]string, 0, len(fs))
	for k := range fs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

// closest returns the known key nearest to name, if it is near enough to be
// a typo.
func closest(name string, fs Fields) string {
	best, bestD := "", 3
	for k := range fs {
		if d := editDistance(name, k); d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	if bestD > len(name)/2 && !strings.EqualFold(best, name) {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func Resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// Str reads a scalar as a string (its text as written: data: 42 is "42").
// Null is an error.
func (r *Reader) Str(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		r.Fail(n, key, "must be a string", "quote it")
		return "", false
	}
	if n.Tag == "!!null" {
		r.Fail(n, key, "is empty", "write '' for an empty string")
		return "", false
	}
	if n.Tag == "!!binary" {
		r.Fail(n, key, "binary values are not read here", "use the _base64 form of the key")
		return "", false
	}
	if !utf8.ValidString(n.Value) {
		r.Fail(n, key, "not valid UTF-8", "")
		return "", false
	}
	return n.Value, true
}

// StrOrEmpty is Str where an empty value may be written as nothing.
func (r *Reader) StrOrEmpty(n *yaml.Node, key string) (string, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" {
		return "", true
	}
	return r.Str(n, key)
}

func (r *Reader) Int(n *yaml.Node, key string) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		r.Fail(n, key, fmt.Sprintf("must be a whole number, not %q", n.Value), "")
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		r.Fail(n, key, fmt.Sprintf("must be a whole number, not %q", n.Value), "")
		return 0, false
	}
	return v, true
}

func (r *Reader) Bool(n *yaml.Node, key string) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		r.Fail(n, key, fmt.Sprintf("must be true or false, not %q", n.Value), "")
		return false, false
	}
	return n.Value == "true", true
}

// Dur reads a Go duration string such as 640ms or 1.5s; 0 may be written
// alone.
func (r *Reader) Dur(n *yaml.Node, key string) (time.Duration, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		r.Fail(n, key, "must be a duration", "write it like 640ms or 1.5s")
		return 0, false
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		hint := "write it like 640ms or 1.5s"
		if _, ierr := strconv.Atoi(n.Value); ierr == nil {
			hint = "a duration needs a unit: " + n.Value + "ms or " + n.Value + "s"
		}
		r.Fail(n, key, fmt.Sprintf("%q is not a duration", n.Value), hint)
		return 0, false
	}
	if d < 0 {
		r.Fail(n, key, fmt.Sprintf("%v is negative", d), "offsets count from the moment the request was sent")
		return 0, false
	}
	return d, true
}

func (r *Reader) StrList(n *yaml.Node, key, example string) []string {
	if n.Kind != yaml.SequenceNode {
		r.Fail(n, key, "must be a list of strings", example)
		return nil
	}
	var out []string
	for _, item := range n.Content {
		if s, ok := r.Str(Resolve(item), key); ok {
			out = append(out, s)
		}
	}
	return out
}
