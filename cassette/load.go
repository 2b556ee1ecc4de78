package cassette

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/ssetape/ssetape/sse"
)

// MaxFileSize is the largest cassette file Load reads.
const MaxFileSize = 256 << 20

// Error is one problem in a cassette file, with where it is and what would
// fix it.
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

// Errors is every problem found in one cassette, in file order.
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

// maxErrors is how many problems a load reports before it stops looking.
const maxErrors = 20

// ErrTooLarge is returned for a cassette file over MaxFileSize.
var ErrTooLarge = errors.New("cassette file too large")

// Load reads and validates the cassette at path.
func Load(path string) (*Cassette, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w: over %d MiB; split it into several cassettes", path, ErrTooLarge, MaxFileSize>>20)
	}
	return Parse(data, path)
}

// Parse reads and validates a cassette from YAML; file names it in errors.
// A non-nil error is an Errors list.
func Parse(data []byte, file string) (*Cassette, error) {
	l := &loader{file: file}
	c := l.cassette(data)
	if len(l.errs) > 0 {
		return nil, l.errs
	}
	c.File = file
	return c, nil
}

// LooksLikeCassette reports whether data is YAML with a top-level version
// key: how `-` (standard input) is told apart from a raw SSE stream.
func LooksLikeCassette(data []byte) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 || line[0] == '#' || string(line) == "---" {
			continue
		}
		return bytes.HasPrefix(line, []byte("version:"))
	}
	return false
}

type loader struct {
	file string
	errs Errors
}

func (l *loader) fail(n *yaml.Node, key, msg, hint string) {
	if len(l.errs) >= maxErrors {
		return
	}
	e := &Error{File: l.file, Key: key, Msg: msg, Hint: hint}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	l.errs = append(l.errs, e)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (l *loader) cassette(data []byte) *Cassette {
	c := &Cassette{}
	if e := badCharacter(data); e != nil {
		e.File = l.file
		l.errs = append(l.errs, e)
		return c
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		msg := err.Error()
		e := &Error{File: l.file, Msg: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: "),
			Hint: "check the indentation and quoting near that line"}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = "not valid YAML: " + m[2]
		}
		l.errs = append(l.errs, e)
		return c
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil {
		l.fail(&second, "", "a second YAML document", "a cassette is one document: remove the --- and what follows, or put it in a file of its own")
		return c
	}
	if len(doc.Content) == 0 {
		l.fail(nil, "", "the file is empty", "a cassette starts with version: 1")
		return c
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		l.fail(root, "", "a cassette is a mapping with version, name and interactions", "see docs/cassette-format.md")
		return c
	}
	// The version decides how to read the rest, so it comes first.
	var vnode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "version" {
			vnode = resolve(root.Content[i+1])
		}
	}
	if vnode == nil {
		l.fail(root, "version", "missing", "add version: 1 at the top")
		return c
	}
	v, ok := l.int(vnode, "version")
	if !ok {
		return c
	}
	switch {
	case v > Version:
		l.fail(vnode, "version", fmt.Sprintf("this cassette is format version %d, newer than this ssetape reads (%d)", v, Version),
			"upgrade ssetape to read it")
		return c
	case v < 1:
		l.fail(vnode, "version", fmt.Sprintf("%d is not a format version", v), "use version: 1")
		return c
	}
	c.Version = v
	l.mapping(root, "", fields{
		"version": func(n *yaml.Node, key string) {},
		"name": func(n *yaml.Node, key string) {
			c.Name, _ = l.str(n, key)
		},
		"interactions": func(n *yaml.Node, key string) {
			if n.Kind != yaml.SequenceNode {
				l.fail(n, key, "must be a list of interactions", "start each one with '- request:'")
				return
			}
			for i, item := range n.Content {
				c.Interactions = append(c.Interactions, l.interaction(resolve(item), fmt.Sprintf("%s[%d]", key, i)))
			}
		},
	}, "interactions")
	return c
}

func (l *loader) interaction(n *yaml.Node, key string) *Interaction {
	it := &Interaction{Line: n.Line}
	l.mapping(n, key, fields{
		"request":  func(n *yaml.Node, key string) { l.request(n, key, &it.Request) },
		"response": func(n *yaml.Node, key string) { l.response(n, key, &it.Response) },
		"match":    func(n *yaml.Node, key string) { l.match(n, key, &it.Match) },
		"faults": func(n *yaml.Node, key string) {
			it.Faults = l.strList(n, key, `faults: ["close:after=3"]`)
			if n.Kind == yaml.SequenceNode {
				for _, item := range n.Content {
					it.FaultLines = append(it.FaultLines, item.Line)
				}
			}
		},
	}, "request", "response")
	return it
}

var tokenRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func (l *loader) request(n *yaml.Node, key string, r *Request) {
	l.mapping(n, key, fields{
		"method": func(n *yaml.Node, key string) {
			if s, ok := l.str(n, key); ok {
				if !tokenRE.MatchString(s) {
					l.fail(n, key, fmt.Sprintf("%q is not an HTTP method", s), "for example GET or POST")
				}
				r.Method = s
			}
		},
		"path": func(n *yaml.Node, key string) {
			if s, ok := l.str(n, key); ok {
				if !strings.HasPrefix(s, "/") {
					l.fail(n, key, fmt.Sprintf("%q does not start with /", s), "write the path with its query, like /v1/chat?x=1")
				}
				r.Path = s
			}
		},
		"headers":     func(n *yaml.Node, key string) { r.Headers = l.headers(n, key) },
		"body":        func(n *yaml.Node, key string) { r.Body = l.body(n, key) },
		"body_base64": func(n *yaml.Node, key string) { r.Body = l.base64(n, key) },
	}, "path")
	if r.Method == "" {
		r.Method = "GET"
	}
}

func (l *loader) response(n *yaml.Node, key string, r *Response) {
	r.Status = 200
	var entriesNode, bodyNode *yaml.Node
	l.mapping(n, key, fields{
		"status": func(n *yaml.Node, key string) {
			if v, ok := l.int(n, key); ok {
				if v < 100 || v > 599 {
					l.fail(n, key, fmt.Sprintf("%d is not an HTTP status", v), "use a code from 100 to 599")
				}
				r.Status = v
			}
		},
		"headers":    func(n *yaml.Node, key string) { r.Headers = l.headers(n, key) },
		"headers_at": func(n *yaml.Node, key string) { r.HeadersAt, _ = l.dur(n, key) },
		"entries": func(n *yaml.Node, key string) {
			entriesNode = n
			r.Entries = l.entries(n, key)
		},
		"body": func(n *yaml.Node, key string) {
			bodyNode = n
			r.Body = l.body(n, key)
		},
		"body_base64": func(n *yaml.Node, key string) {
			bodyNode = n
			r.Body = l.base64(n, key)
		},
		"end":  func(n *yaml.Node, key string) { r.End = l.end(n, key) },
		"wire": func(n *yaml.Node, key string) { r.Wire = l.wire(n, key) },
	})
	if entriesNode != nil && bodyNode != nil {
		l.fail(bodyNode, key+".body", "a response has entries (a stream) or a body, not both",
			"remove the body, or the entries if the response is not a stream")
	}
	if r.Wire != nil && r.Entries == nil {
		r.Entries = []Entry{}
	}
}

func (l *loader) entries(n *yaml.Node, key string) []Entry {
	if n.Kind != yaml.SequenceNode {
		l.fail(n, key, "must be a list of entries", "write - {at: 15ms, event: done, data: '{}'}")
		return nil
	}
	out := make([]Entry, 0, len(n.Content))
	var prev time.Duration
	for i, item := range n.Content {
		item = resolve(item)
		k := fmt.Sprintf("%s[%d]", key, i)
		e := Entry{Line: item.Line}
		var atNode *yaml.Node
		l.mapping(item, k, fields{
			"at": func(n *yaml.Node, key string) {
				atNode = n
				e.At, _ = l.dur(n, key)
			},
			"comment": func(n *yaml.Node, key string) { e.Comment, _ = l.str(n, key) },
			"id": func(n *yaml.Node, key string) {
				e.ID, e.HasID = l.str(n, key)
				if strings.ContainsAny(e.ID, "\r\n\x00") {
					l.fail(n, key, "an id cannot hold CR, LF or NUL", "clients would cut or ignore it")
				}
			},
			"event": func(n *yaml.Node, key string) {
				e.Event, _ = l.str(n, key)
				if strings.ContainsAny(e.Event, "\r\n") {
					l.fail(n, key, "an event type cannot hold CR or LF", "use one line")
				}
			},
			"data": func(n *yaml.Node, key string) {
				if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
					l.fail(n, key, "data must be a string, not parsed YAML or JSON",
						`quote it: data: '{"type":"done"}'`)
					return
				}
				e.Data, e.HasData = l.str(n, key)
			},
			"retry": func(n *yaml.Node, key string) {
				if d, ok := l.dur(n, key); ok {
					e.Retry, e.HasRetry = d, true
				}
			},
			"raw": func(n *yaml.Node, key string) { e.Raw, _ = l.str(n, key) },
		}, "at")
		if e.Raw != "" && (e.HasData || e.HasID || e.HasRetry || e.Event != "" || e.Comment != "") {
			l.fail(item, k, "raw is sent as it is and cannot be combined with other fields", "put the other fields in an entry of their own")
		}
		if atNode != nil && e.At < prev {
			l.fail(atNode, k+".at", fmt.Sprintf("%v is before the previous entry's %v", e.At, prev), "entries are listed in time order")
		}
		prev = max(prev, e.At)
		out = append(out, e)
	}
	return out
}

func (l *loader) end(n *yaml.Node, key string) *End {
	e := &End{}
	l.mapping(n, key, fields{
		"at": func(n *yaml.Node, key string) { e.At, _ = l.dur(n, key) },
		"reason": func(n *yaml.Node, key string) {
			s, ok := l.str(n, key)
			if !ok {
				return
			}
			for _, r := range reasons {
				if string(r) == s {
					e.Reason = r
					return
				}
			}
			l.fail(n, key, fmt.Sprintf("unknown reason %q", s), "one of eof, reset, timeout, client-closed, interrupted, error")
		},
		"error": func(n *yaml.Node, key string) { e.Error, _ = l.str(n, key) },
	}, "at", "reason")
	return e
}

func (l *loader) wire(n *yaml.Node, key string) *Wire {
	w := &Wire{LineEnding: sse.LF}
	l.mapping(n, key, fields{
		"line_ending": func(n *yaml.Node, key string) {
			if s, ok := l.str(n, key); ok {
				e, ok := sse.ParseLineEnding(s)
				if !ok {
					l.fail(n, key, fmt.Sprintf("unknown line ending %q", s), "one of lf, crlf, cr")
				}
				w.LineEnding = e
			}
		},
		"checksum": func(n *yaml.Node, key string) { w.Checksum, _ = l.str(n, key) },
		"redacted": func(n *yaml.Node, key string) { w.Redacted, _ = l.bool(n, key) },
		"chunks": func(n *yaml.Node, key string) {
			if n.Kind != yaml.SequenceNode {
				l.fail(n, key, "must be a list of chunks", `write - {at: 15ms, text: "data: x\n\n"}`)
				return
			}
			var prev time.Duration
			for i, item := range n.Content {
				item = resolve(item)
				k := fmt.Sprintf("%s[%d]", key, i)
				var c Chunk
				var has int
				l.mapping(item, k, fields{
					"at": func(n *yaml.Node, key string) {
						c.At, _ = l.dur(n, key)
						if c.At < prev {
							l.fail(n, key, fmt.Sprintf("%v is before the previous chunk's %v", c.At, prev), "chunks are listed in time order")
						}
					},
					"text": func(n *yaml.Node, key string) {
						s, _ := l.strOrEmptyValue(n, key)
						c.Data = []byte(s)
						has++
					},
					"base64": func(n *yaml.Node, key string) {
						c.Data = l.base64(n, key)
						has++
					},
				}, "at")
				if has != 1 {
					l.fail(item, k, "a chunk has exactly one of text and base64", "text for UTF-8, base64 for other bytes")
				}
				prev = max(prev, c.At)
				w.Chunks = append(w.Chunks, c)
			}
		},
	}, "checksum", "chunks")
	return w
}

func (l *loader) match(n *yaml.Node, key string, m *Match) {
	l.mapping(n, key, fields{
		"method": func(n *yaml.Node, key string) {
			s, ok := l.str(n, key)
			switch {
			case !ok:
			case s == "any":
				m.AnyMethod = true
			case s == "exact":
			default:
				l.fail(n, key, fmt.Sprintf("unknown method match %q", s), "any or exact")
			}
		},
		"body": func(n *yaml.Node, key string) {
			if n.Kind == yaml.ScalarNode {
				s, _ := l.str(n, key)
				mode, err := ParseBodyMode(s)
				if err != nil {
					l.fail(n, key, err.Error(), "or {ignore: [$.path]} or {only: [$.path]}")
				}
				m.Body.Mode = mode
				return
			}
			seen := 0
			paths := func(mode BodyMode) func(n *yaml.Node, key string) {
				return func(n *yaml.Node, key string) {
					seen++
					m.Body.Mode = mode
					list := l.strList(n, key, "[$.metadata.request_id]")
					for i, s := range list {
						p, err := ParsePath(s)
						if err != nil {
							l.fail(resolve(n).Content[i], key, err.Error(), "")
							continue
						}
						m.Body.Paths = append(m.Body.Paths, p)
					}
					if len(list) == 0 {
						l.fail(n, key, "needs at least one JSON path", "[$.metadata.request_id]")
					}
				}
			}
			l.mapping(n, key, fields{"ignore": paths(BodyIgnore), "only": paths(BodyOnly)})
			if seen != 1 {
				l.fail(n, key, "give exactly one of ignore and only", "body: {ignore: [$.metadata.request_id]}")
			}
		},
	})
}

func (l *loader) headers(n *yaml.Node, key string) Headers {
	h := Headers{}
	if n.Kind != yaml.MappingNode {
		l.fail(n, key, "headers are a mapping from name to a list of values", "headers: {Content-Type: [application/json]}")
		return h
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := resolve(n.Content[i]), resolve(n.Content[i+1])
		name := kn.Value
		k := key + "." + name
		if !tokenRE.MatchString(name) {
			l.fail(kn, k, fmt.Sprintf("%q is not a header name", name), "letters, digits and - only")
			continue
		}
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if _, dup := h[canon]; dup {
			l.fail(kn, k, "given twice", "put every value in one list: "+canon+": [a, b]")
			continue
		}
		if vn.Kind != yaml.SequenceNode {
			l.fail(vn, k, "header values are a list", fmt.Sprintf("%s: [%s]", canon, vn.Value))
			continue
		}
		vals := []string{}
		for _, item := range vn.Content {
			s, ok := l.str(resolve(item), k)
			if ok && strings.ContainsAny(s, "\r\n\x00") {
				l.fail(item, k, "a header value cannot hold CR, LF or NUL", "")
			}
			vals = append(vals, s)
		}
		h[canon] = vals
	}
	return h
}

func (l *loader) body(n *yaml.Node, key string) []byte {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		l.fail(n, key, "body must be a string, not parsed YAML or JSON", `quote it: body: '{"model":"x"}'`)
		return nil
	}
	s, _ := l.strOrEmptyValue(n, key)
	return []byte(s)
}

func (l *loader) base64(n *yaml.Node, key string) []byte {
	s, ok := l.str(n, key)
	if !ok {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		l.fail(n, key, "not valid base64: "+err.Error(), "standard base64 with padding")
	}
	return b
}

// fields maps the keys a mapping allows to what reads their values.
type fields map[string]func(n *yaml.Node, key string)

// mapping reads a mapping node, calling the field readers in file order. It
// reports unknown keys (with the closest known one), repeated keys and
// missing required keys.
func (l *loader) mapping(n *yaml.Node, key string, fs fields, required ...string) {
	if n.Kind != yaml.MappingNode {
		l.fail(n, key, "must be a mapping of "+knownKeys(fs), "")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := resolve(n.Content[i]), resolve(n.Content[i+1])
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
			l.fail(kn, k, "unknown key", hint)
			continue
		}
		if seen[name] {
			l.fail(kn, k, "given twice", "keep one")
			continue
		}
		seen[name] = true
		read(vn, k)
	}
	for _, r := range required {
		if !seen[r] {
			k := r
			if key != "" {
				k = key + "." + r
			}
			l.fail(n, k, "missing", "add "+r+":")
		}
	}
}

func knownKeys(fs fields) string {
	keys := make([]string, 0, len(fs))
	for k := range fs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

// closest returns the known key nearest to name, if it is near enough to be
// a typo.
func closest(name string, fs fields) string {
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

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// str reads a scalar as a string (its text as written: data: 42 is "42").
// Null is an error.
func (l *loader) str(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		l.fail(n, key, "must be a string", "quote it")
		return "", false
	}
	if n.Tag == "!!null" {
		l.fail(n, key, "is empty", "write '' for an empty string")
		return "", false
	}
	if n.Tag == "!!binary" {
		l.fail(n, key, "binary values are not read here", "use the _base64 form of the key")
		return "", false
	}
	if !utf8.ValidString(n.Value) {
		l.fail(n, key, "not valid UTF-8", "")
		return "", false
	}
	return n.Value, true
}

// strOrEmptyValue is str where an empty value may be written as nothing.
func (l *loader) strOrEmptyValue(n *yaml.Node, key string) (string, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" {
		return "", true
	}
	return l.str(n, key)
}

func (l *loader) int(n *yaml.Node, key string) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		l.fail(n, key, fmt.Sprintf("must be a whole number, not %q", n.Value), "")
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		l.fail(n, key, fmt.Sprintf("must be a whole number, not %q", n.Value), "")
		return 0, false
	}
	return v, true
}

func (l *loader) bool(n *yaml.Node, key string) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		l.fail(n, key, fmt.Sprintf("must be true or false, not %q", n.Value), "")
		return false, false
	}
	return n.Value == "true", true
}

// dur reads a Go duration string such as 640ms or 1.5s; 0 may be written
// alone.
func (l *loader) dur(n *yaml.Node, key string) (time.Duration, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.fail(n, key, "must be a duration", "write it like 640ms or 1.5s")
		return 0, false
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		hint := "write it like 640ms or 1.5s"
		if _, ierr := strconv.Atoi(n.Value); ierr == nil {
			hint = "a duration needs a unit: " + n.Value + "ms or " + n.Value + "s"
		}
		l.fail(n, key, fmt.Sprintf("%q is not a duration", n.Value), hint)
		return 0, false
	}
	if d < 0 {
		l.fail(n, key, fmt.Sprintf("%v is negative", d), "offsets count from the moment the request was sent")
		return 0, false
	}
	return d, true
}

func (l *loader) strList(n *yaml.Node, key, example string) []string {
	if n.Kind != yaml.SequenceNode {
		l.fail(n, key, "must be a list of strings", example)
		return nil
	}
	var out []string
	for _, item := range n.Content {
		if s, ok := l.str(resolve(item), key); ok {
			out = append(out, s)
		}
	}
	return out
}
