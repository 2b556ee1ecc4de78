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
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ssetape/ssetape/internal/yamlschema"
	"github.com/ssetape/ssetape/sse"
)

// MaxFileSize is the largest cassette file Load reads.
const MaxFileSize = 256 << 20

// Error is one problem in a cassette file, with where it is and what would
// fix it: the file, line and column, the key (such as
// interactions[0].response.entries[3].data), what is wrong, and a hint.
type Error = yamlschema.Error

// Errors is every problem found in one cassette, in file order.
type Errors = yamlschema.Errors

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
	l := &loader{&yamlschema.Reader{File: file}}
	c := l.cassette(data)
	if len(l.Errs) > 0 {
		return nil, l.Errs
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

// loader reads one cassette file against the cassette's schema.
type loader struct {
	*yamlschema.Reader
}

func (l *loader) cassette(data []byte) *Cassette {
	c := &Cassette{}
	root, ok := l.Document(data)
	if !ok {
		return c
	}
	if root == nil {
		l.Fail(nil, "", "the file is empty", "a cassette starts with version: 1")
		return c
	}
	if root.Kind != yaml.MappingNode {
		l.Fail(root, "", "a cassette is a mapping with version, name and interactions", "see docs/cassette-format.md")
		return c
	}
	// The version decides how to read the rest, so it comes first.
	var vnode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "version" {
			vnode = yamlschema.Resolve(root.Content[i+1])
		}
	}
	if vnode == nil {
		l.Fail(root, "version", "missing", "add version: 1 at the top")
		return c
	}
	v, ok := l.Int(vnode, "version")
	if !ok {
		return c
	}
	switch {
	case v > Version:
		l.Fail(vnode, "version", fmt.Sprintf("this cassette is format version %d, newer than this ssetape reads (%d)", v, Version),
			"upgrade ssetape to read it")
		return c
	case v < 1:
		l.Fail(vnode, "version", fmt.Sprintf("%d is not a format version", v), "use version: 1")
		return c
	}
	c.Version = v
	l.Mapping(root, "", yamlschema.Fields{
		"version": func(n *yaml.Node, key string) {},
		"name": func(n *yaml.Node, key string) {
			c.Name, _ = l.Str(n, key)
		},
		"interactions": func(n *yaml.Node, key string) {
			if n.Kind != yaml.SequenceNode {
				l.Fail(n, key, "must be a list of interactions", "start each one with '- request:'")
				return
			}
			for i, item := range n.Content {
				c.Interactions = append(c.Interactions, l.interaction(yamlschema.Resolve(item), fmt.Sprintf("%s[%d]", key, i)))
			}
		},
	}, "interactions")
	return c
}

func (l *loader) interaction(n *yaml.Node, key string) *Interaction {
	it := &Interaction{Line: n.Line}
	hasRequest := false
	l.Mapping(n, key, yamlschema.Fields{
		"request":  func(n *yaml.Node, key string) { hasRequest = true; l.request(n, key, &it.Request) },
		"response": func(n *yaml.Node, key string) { l.response(n, key, &it.Response) },
		"match":    func(n *yaml.Node, key string) { l.match(n, key, &it.Match) },
		"faults": func(n *yaml.Node, key string) {
			it.Faults = l.StrList(n, key, `faults: ["close:after=3"]`)
			if n.Kind == yaml.SequenceNode {
				for _, item := range n.Content {
					it.FaultLines = append(it.FaultLines, item.Line)
				}
			}
		},
	}, "response")
	switch sb := it.Response.Synth; {
	case sb != nil:
		// A synth: block may leave the request out: the format's own.
		sb.defaultRequest = !hasRequest
		l.expand(it, key, sb)
	case !hasRequest && n.Kind == yaml.MappingNode:
		l.Fail(n, key+".request", "missing", "add request: {method: POST, path: /api/chat} (only a synth: response may leave it out)")
	}
	return it
}

var tokenRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func (l *loader) request(n *yaml.Node, key string, r *Request) {
	l.Mapping(n, key, yamlschema.Fields{
		"method": func(n *yaml.Node, key string) {
			if s, ok := l.Str(n, key); ok {
				if !tokenRE.MatchString(s) {
					l.Fail(n, key, fmt.Sprintf("%q is not an HTTP method", s), "for example GET or POST")
				}
				r.Method = s
			}
		},
		"path": func(n *yaml.Node, key string) {
			if s, ok := l.Str(n, key); ok {
				if !strings.HasPrefix(s, "/") {
					l.Fail(n, key, fmt.Sprintf("%q does not start with /", s), "write the path with its query, like /v1/chat?x=1")
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
	var entriesNode, bodyNode, wireNode, synthNode *yaml.Node
	statusGiven, headersGiven := false, false
	l.Mapping(n, key, yamlschema.Fields{
		"synth": func(n *yaml.Node, key string) {
			synthNode = n
			r.Synth = l.synthBlock(n, key)
		},
		"status": func(n *yaml.Node, key string) {
			statusGiven = true
			if v, ok := l.Int(n, key); ok {
				if v < 100 || v > 599 {
					l.Fail(n, key, fmt.Sprintf("%d is not an HTTP status", v), "use a code from 100 to 599")
				}
				r.Status = v
			}
		},
		"headers":    func(n *yaml.Node, key string) { headersGiven = true; r.Headers = l.headers(n, key) },
		"headers_at": func(n *yaml.Node, key string) { r.HeadersAt, _ = l.Dur(n, key) },
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
		"wire": func(n *yaml.Node, key string) { wireNode = n; r.Wire = l.wire(n, key) },
	})
	if synthNode != nil {
		for _, other := range []struct {
			n    *yaml.Node
			name string
		}{{entriesNode, "entries"}, {wireNode, "wire"}, {bodyNode, "body"}} {
			if other.n != nil {
				l.Fail(other.n, key+"."+other.name, "a synth: response makes its own stream: it has no "+other.name,
					"remove "+other.name+", or the synth: block")
			}
		}
		if r.Synth != nil {
			r.Synth.defaultStatus, r.Synth.defaultHeaders = !statusGiven, !headersGiven
		}
		return
	}
	if entriesNode != nil && bodyNode != nil {
		l.Fail(bodyNode, key+".body", "a response has entries (a stream) or a body, not both",
			"remove the body, or the entries if the response is not a stream")
	}
	if r.Wire != nil && r.Entries == nil {
		r.Entries = []Entry{}
	}
}

func (l *loader) entries(n *yaml.Node, key string) []Entry {
	if n.Kind != yaml.SequenceNode {
		l.Fail(n, key, "must be a list of entries", "write - {at: 15ms, event: done, data: '{}'}")
		return nil
	}
	out := make([]Entry, 0, len(n.Content))
	var prev time.Duration
	for i, item := range n.Content {
		item = yamlschema.Resolve(item)
		k := fmt.Sprintf("%s[%d]", key, i)
		e := Entry{Line: item.Line}
		var atNode *yaml.Node
		l.Mapping(item, k, yamlschema.Fields{
			"at": func(n *yaml.Node, key string) {
				atNode = n
				e.At, _ = l.Dur(n, key)
			},
			"comment": func(n *yaml.Node, key string) { e.Comment, _ = l.Str(n, key) },
			"id": func(n *yaml.Node, key string) {
				e.ID, e.HasID = l.Str(n, key)
				if strings.ContainsAny(e.ID, "\r\n\x00") {
					l.Fail(n, key, "an id cannot hold CR, LF or NUL", "clients would cut or ignore it")
				}
			},
			"event": func(n *yaml.Node, key string) {
				e.Event, _ = l.Str(n, key)
				if strings.ContainsAny(e.Event, "\r\n") {
					l.Fail(n, key, "an event type cannot hold CR or LF", "use one line")
				}
			},
			"data": func(n *yaml.Node, key string) {
				if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
					l.Fail(n, key, "data must be a string, not parsed YAML or JSON",
						`quote it: data: '{"type":"done"}'`)
					return
				}
				e.Data, e.HasData = l.Str(n, key)
			},
			"retry": func(n *yaml.Node, key string) {
				if d, ok := l.Dur(n, key); ok {
					e.Retry, e.HasRetry = d, true
				}
			},
			"raw": func(n *yaml.Node, key string) { e.Raw, _ = l.Str(n, key) },
		}, "at")
		if e.Raw != "" && (e.HasData || e.HasID || e.HasRetry || e.Event != "" || e.Comment != "") {
			l.Fail(item, k, "raw is sent as it is and cannot be combined with other fields", "put the other fields in an entry of their own")
		}
		if atNode != nil && e.At < prev {
			l.Fail(atNode, k+".at", fmt.Sprintf("%v is before the previous entry's %v", e.At, prev), "entries are listed in time order")
		}
		prev = max(prev, e.At)
		out = append(out, e)
	}
	return out
}

func (l *loader) end(n *yaml.Node, key string) *End {
	e := &End{}
	l.Mapping(n, key, yamlschema.Fields{
		"at": func(n *yaml.Node, key string) { e.At, _ = l.Dur(n, key) },
		"reason": func(n *yaml.Node, key string) {
			s, ok := l.Str(n, key)
			if !ok {
				return
			}
			for _, r := range reasons {
				if string(r) == s {
					e.Reason = r
					return
				}
			}
			l.Fail(n, key, fmt.Sprintf("unknown reason %q", s), "one of eof, reset, timeout, client-closed, interrupted, error")
		},
		"error": func(n *yaml.Node, key string) { e.Error, _ = l.Str(n, key) },
	}, "at", "reason")
	return e
}

func (l *loader) wire(n *yaml.Node, key string) *Wire {
	w := &Wire{LineEnding: sse.LF}
	l.Mapping(n, key, yamlschema.Fields{
		"line_ending": func(n *yaml.Node, key string) {
			if s, ok := l.Str(n, key); ok {
				e, ok := sse.ParseLineEnding(s)
				if !ok {
					l.Fail(n, key, fmt.Sprintf("unknown line ending %q", s), "one of lf, crlf, cr")
				}
				w.LineEnding = e
			}
		},
		"checksum": func(n *yaml.Node, key string) { w.Checksum, _ = l.Str(n, key) },
		"redacted": func(n *yaml.Node, key string) { w.Redacted, _ = l.Bool(n, key) },
		"chunks": func(n *yaml.Node, key string) {
			if n.Kind != yaml.SequenceNode {
				l.Fail(n, key, "must be a list of chunks", `write - {at: 15ms, text: "data: x\n\n"}`)
				return
			}
			var prev time.Duration
			for i, item := range n.Content {
				item = yamlschema.Resolve(item)
				k := fmt.Sprintf("%s[%d]", key, i)
				var c Chunk
				var has int
				l.Mapping(item, k, yamlschema.Fields{
					"at": func(n *yaml.Node, key string) {
						c.At, _ = l.Dur(n, key)
						if c.At < prev {
							l.Fail(n, key, fmt.Sprintf("%v is before the previous chunk's %v", c.At, prev), "chunks are listed in time order")
						}
					},
					"text": func(n *yaml.Node, key string) {
						s, _ := l.StrOrEmpty(n, key)
						c.Data = []byte(s)
						has++
					},
					"base64": func(n *yaml.Node, key string) {
						c.Data = l.base64(n, key)
						has++
					},
				}, "at")
				if has != 1 {
					l.Fail(item, k, "a chunk has exactly one of text and base64", "text for UTF-8, base64 for other bytes")
				}
				prev = max(prev, c.At)
				w.Chunks = append(w.Chunks, c)
			}
		},
	}, "checksum", "chunks")
	return w
}

func (l *loader) match(n *yaml.Node, key string, m *Match) {
	l.Mapping(n, key, yamlschema.Fields{
		"method": func(n *yaml.Node, key string) {
			s, ok := l.Str(n, key)
			switch {
			case !ok:
			case s == "any":
				m.AnyMethod = true
			case s == "exact":
			default:
				l.Fail(n, key, fmt.Sprintf("unknown method match %q", s), "any or exact")
			}
		},
		"body": func(n *yaml.Node, key string) {
			if n.Kind == yaml.ScalarNode {
				s, _ := l.Str(n, key)
				mode, err := ParseBodyMode(s)
				if err != nil {
					l.Fail(n, key, err.Error(), "or {ignore: [$.path]} or {only: [$.path]}")
				}
				m.Body.Mode = mode
				return
			}
			seen := 0
			paths := func(mode BodyMode) func(n *yaml.Node, key string) {
				return func(n *yaml.Node, key string) {
					seen++
					m.Body.Mode = mode
					list := l.StrList(n, key, "[$.metadata.request_id]")
					for i, s := range list {
						p, err := ParsePath(s)
						if err != nil {
							l.Fail(yamlschema.Resolve(n).Content[i], key, err.Error(), "")
							continue
						}
						m.Body.Paths = append(m.Body.Paths, p)
					}
					if len(list) == 0 {
						l.Fail(n, key, "needs at least one JSON path", "[$.metadata.request_id]")
					}
				}
			}
			l.Mapping(n, key, yamlschema.Fields{"ignore": paths(BodyIgnore), "only": paths(BodyOnly)})
			if seen != 1 {
				l.Fail(n, key, "give exactly one of ignore and only", "body: {ignore: [$.metadata.request_id]}")
			}
		},
	})
}

func (l *loader) headers(n *yaml.Node, key string) Headers {
	h := Headers{}
	if n.Kind != yaml.MappingNode {
		l.Fail(n, key, "headers are a mapping from name to a list of values", "headers: {Content-Type: [application/json]}")
		return h
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := yamlschema.Resolve(n.Content[i]), yamlschema.Resolve(n.Content[i+1])
		name := kn.Value
		k := key + "." + name
		if !tokenRE.MatchString(name) {
			l.Fail(kn, k, fmt.Sprintf("%q is not a header name", name), "letters, digits and - only")
			continue
		}
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if _, dup := h[canon]; dup {
			l.Fail(kn, k, "given twice", "put every value in one list: "+canon+": [a, b]")
			continue
		}
		if vn.Kind != yaml.SequenceNode {
			l.Fail(vn, k, "header values are a list", fmt.Sprintf("%s: [%s]", canon, vn.Value))
			continue
		}
		vals := []string{}
		for _, item := range vn.Content {
			s, ok := l.Str(yamlschema.Resolve(item), k)
			if ok && strings.ContainsAny(s, "\r\n\x00") {
				l.Fail(item, k, "a header value cannot hold CR, LF or NUL", "")
			}
			vals = append(vals, s)
		}
		h[canon] = vals
	}
	return h
}

func (l *loader) body(n *yaml.Node, key string) []byte {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		l.Fail(n, key, "body must be a string, not parsed YAML or JSON", `quote it: body: '{"model":"x"}'`)
		return nil
	}
	s, _ := l.StrOrEmpty(n, key)
	return []byte(s)
}

func (l *loader) base64(n *yaml.Node, key string) []byte {
	s, ok := l.Str(n, key)
	if !ok {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		l.Fail(n, key, "not valid base64: "+err.Error(), "standard base64 with padding")
	}
	return b
}
