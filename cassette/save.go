package cassette

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/ssetape/ssetape/sse"
)

// Marshal returns the cassette as YAML. The output is deterministic: keys in
// a fixed order, headers sorted, durations rounded to the microsecond, so
// that saving an unchanged cassette writes the same bytes.
func Marshal(c *Cassette) ([]byte, error) {
	root := mapping(false)
	add(root, "version", intNode(Version))
	if c.Name != "" {
		add(root, "name", str(c.Name))
	}
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, it := range c.Interactions {
		list.Content = append(list.Content, interactionNode(it))
	}
	add(root, "interactions", list)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("cassette: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("cassette: %w", err)
	}
	return buf.Bytes(), nil
}

// Encode writes the cassette's YAML to w, as Marshal makes it.
func Encode(w io.Writer, c *Cassette) error {
	data, err := Marshal(c)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// WriteFile saves the cassette to path atomically: a temporary file in the
// same directory, fsync, then rename, so that a crash leaves either the old
// file or the new one, never a half-written one.
func WriteFile(path string, c *Cassette) error {
	data, err := Marshal(c)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("saving %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func interactionNode(it *Interaction) *yaml.Node {
	n := mapping(false)
	req := mapping(false)
	add(req, "method", str(it.Request.Method))
	add(req, "path", str(it.Request.Path))
	if len(it.Request.Headers) > 0 {
		add(req, "headers", headersNode(it.Request.Headers))
	}
	addBody(req, it.Request.Body)
	add(n, "request", req)
	if !it.Match.IsZero() {
		m := mapping(true)
		if it.Match.AnyMethod {
			add(m, "method", str("any"))
		}
		switch it.Match.Body.Mode {
		case BodyAny:
			add(m, "body", str("any"))
		case BodyIgnore, BodyOnly:
			b := mapping(true)
			paths := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, p := range it.Match.Body.Paths {
				paths.Content = append(paths.Content, str(p.Text))
			}
			name := "ignore"
			if it.Match.Body.Mode == BodyOnly {
				name = "only"
			}
			add(b, name, paths)
			add(m, "body", b)
		}
		add(n, "match", m)
	}
	if len(it.Faults) > 0 {
		f := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, s := range it.Faults {
			f.Content = append(f.Content, str(s))
		}
		add(n, "faults", f)
	}
	add(n, "response", responseNode(&it.Response))
	return n
}

func responseNode(r *Response) *yaml.Node {
	n := mapping(false)
	add(n, "status", intNode(r.Status))
	if len(r.Headers) > 0 {
		add(n, "headers", headersNode(r.Headers))
	}
	add(n, "headers_at", dur(r.HeadersAt))
	if r.IsStream() {
		entries := &yaml.Node{Kind: yaml.SequenceNode}
		for i := range r.Entries {
			entries.Content = append(entries.Content, entryNode(&r.Entries[i]))
		}
		add(n, "entries", entries)
	} else {
		addBody(n, r.Body)
	}
	if r.End != nil {
		e := mapping(true)
		add(e, "at", dur(r.End.At))
		add(e, "reason", str(string(r.End.Reason)))
		if r.End.Error != "" {
			add(e, "error", str(r.End.Error))
		}
		add(n, "end", e)
	}
	if w := r.Wire; w != nil {
		wn := mapping(false)
		eol := w.LineEnding
		if eol == sse.NoLineEnding {
			eol = sse.LF
		}
		add(wn, "line_ending", str(eol.String()))
		add(wn, "checksum", str(w.Checksum))
		if w.Redacted {
			add(wn, "redacted", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		}
		chunks := &yaml.Node{Kind: yaml.SequenceNode}
		for _, c := range w.Chunks {
			cn := mapping(true)
			add(cn, "at", dur(c.At))
			if utf8.Valid(c.Data) {
				s := str(string(c.Data))
				s.Style = yaml.DoubleQuotedStyle
				add(cn, "text", s)
			} else {
				add(cn, "base64", str(base64.StdEncoding.EncodeToString(c.Data)))
			}
			chunks.Content = append(chunks.Content, cn)
		}
		add(wn, "chunks", chunks)
		add(n, "wire", wn)
	}
	return n
}

func entryNode(e *Entry) *yaml.Node {
	n := mapping(true)
	add(n, "at", dur(e.At))
	if e.Raw != "" {
		add(n, "raw", str(e.Raw))
		return n
	}
	if e.Comment != "" {
		add(n, "comment", str(e.Comment))
	}
	if e.HasID {
		add(n, "id", str(e.ID))
	}
	if e.Event != "" {
		add(n, "event", str(e.Event))
	}
	if e.HasData {
		add(n, "data", str(e.Data))
	}
	if e.HasRetry {
		add(n, "retry", dur(e.Retry))
	}
	return n
}

func headersNode(h Headers) *yaml.Node {
	n := mapping(false)
	for _, k := range h.Keys() {
		vals := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, v := range h[k] {
			vals.Content = append(vals.Content, str(v))
		}
		add(n, k, vals)
	}
	return n
}

func addBody(n *yaml.Node, body []byte) {
	switch {
	case len(body) == 0:
	case utf8.Valid(body):
		add(n, "body", str(string(body)))
	default:
		add(n, "body_base64", str(base64.StdEncoding.EncodeToString(body)))
	}
}

func mapping(flow bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	if flow {
		n.Style = yaml.FlowStyle
	}
	return n
}

func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func intNode(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

// dur writes a duration as a Go duration string rounded to the microsecond.
func dur(d time.Duration) *yaml.Node { return str(FormatDuration(d)) }

// FormatDuration rounds d to the microsecond and writes it as Go does
// ("640ms", "1.234567s").
func FormatDuration(d time.Duration) string { return d.Round(time.Microsecond).String() }
