package cassette

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	var buf bytes.Buffer
	if err := Encode(&buf, c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Encode writes the cassette's YAML to w, exactly the bytes Marshal makes,
// one interaction at a time: only one interaction's YAML is built at once,
// so that saving a large cassette costs memory in proportion to its largest
// interaction, not to the whole.
func Encode(w io.Writer, c *Cassette) error {
	root := mapping(false)
	add(root, "version", intNode(Version))
	if c.Name != "" {
		add(root, "name", str(c.Name))
	}
	if len(c.Interactions) == 0 {
		add(root, "interactions", &yaml.Node{Kind: yaml.SequenceNode})
		return encodeNode(w, root)
	}
	head, err := encodeBytes(root)
	if err != nil {
		return err
	}
	if string(head) == "{}\n" { // an empty mapping: not written
		head = nil
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "interactions:\n"); err != nil {
		return err
	}
	for _, it := range c.Interactions {
		if err := EncodeInteraction(w, it); err != nil {
			return err
		}
	}
	return nil
}

// EncodeInteraction writes one interaction as an item of a cassette's
// interactions list: what Encode writes for it, so that appending it to a
// cassette file that Encode wrote gives the file Encode would write with
// the interaction added.
func EncodeInteraction(w io.Writer, it *Interaction) error {
	r := &it.Response
	if r.Synth == nil && (len(r.Entries) > itemBatch || r.Wire != nil && len(r.Wire.Chunks) > itemBatch) {
		return encodeLong(w, it)
	}
	root := mapping(false)
	add(root, "interactions", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{interactionNode(it)}})
	b, err := encodeBytes(root)
	if err != nil {
		return err
	}
	_, err = w.Write(bytes.TrimPrefix(b, []byte("interactions:\n")))
	return err
}

func encodeBytes(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeNode(&buf, n); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func encodeNode(w io.Writer, n *yaml.Node) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return fmt.Errorf("cassette: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("cassette: %w", err)
	}
	return nil
}

// AppendFile adds an interaction to a cassette file that WriteFile (or
// AppendFile) wrote and that holds at least one interaction, atomically as
// WriteFile saves: the old file is copied through, so that nothing of it
// is held in memory.
func AppendFile(path string, it *Interaction) error {
	return writeAtomic(path, func(w io.Writer) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.Copy(w, f); err != nil {
			return err
		}
		return EncodeInteraction(w, it)
	})
}

// WriteFile saves the cassette to path atomically: a temporary file in the
// same directory, fsync, then rename, so that a crash leaves either the old
// file or the new one, never a half-written one. A new file's mode follows
// the umask (0666 less it, as any program's); a file overwritten keeps its
// mode.
func WriteFile(path string, c *Cassette) error {
	return writeAtomic(path, func(w io.Writer) error { return Encode(w, c) })
}

// writeAtomic writes a file through a temporary one, as WriteFile says.
func writeAtomic(path string, write func(io.Writer) error) error {
	mode, keep := os.FileMode(0o666), false
	if fi, err := os.Stat(path); err == nil {
		mode, keep = fi.Mode().Perm(), true
	}
	f, tmp, err := createTemp(path, mode)
	if err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && keep {
		err = os.Chmod(tmp, mode) // OpenFile's mode went through the umask
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

// createTemp creates a new file beside path, with mode before the umask.
func createTemp(path string, mode os.FileMode) (*os.File, string, error) {
	for range 100 {
		var b [6]byte
		_, _ = rand.Read(b[:])
		tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(b[:]))
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, tmp, err
	}
	return nil, "", fmt.Errorf("no free temporary name beside %s", path)
}

func interactionNode(it *Interaction) *yaml.Node { return interactionNodeOf(it, false) }

func interactionNodeOf(it *Interaction, placeholders bool) *yaml.Node {
	n := mapping(false)
	sb := it.Response.Synth
	if sb != nil && sb.defaultRequest {
		// The format's request, and the match any body that goes with it:
		// left out, as they were.
		if !it.Match.IsZero() && !(it.Match.Body.Mode == BodyAny && !it.Match.AnyMethod) {
			add(n, "match", matchNode(it.Match))
		}
		addFaults(n, it.Faults)
		add(n, "response", responseNode(&it.Response))
		return n
	}
	req := mapping(false)
	add(req, "method", str(it.Request.Method))
	add(req, "path", str(it.Request.Path))
	if len(it.Request.Headers) > 0 {
		add(req, "headers", headersNode(it.Request.Headers))
	}
	addBody(req, it.Request.Body)
	add(n, "request", req)
	if !it.Match.IsZero() {
		add(n, "match", matchNode(it.Match))
	}
	addFaults(n, it.Faults)
	add(n, "response", responseNodeOf(&it.Response, placeholders))
	return n
}

func matchNode(match Match) *yaml.Node {
	m := mapping(true)
	if match.AnyMethod {
		add(m, "method", str("any"))
	}
	switch match.Body.Mode {
	case BodyAny:
		add(m, "body", str("any"))
	case BodyIgnore, BodyOnly:
		b := mapping(true)
		paths := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, p := range match.Body.Paths {
			paths.Content = append(paths.Content, str(p.Text))
		}
		name := "ignore"
		if match.Body.Mode == BodyOnly {
			name = "only"
		}
		add(b, name, paths)
		add(m, "body", b)
	}
	return m
}

func addFaults(n *yaml.Node, faults []string) {
	if len(faults) > 0 {
		f := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, s := range faults {
			f.Content = append(f.Content, str(s))
		}
		add(n, "faults", f)
	}
}

func responseNode(r *Response) *yaml.Node { return responseNodeOf(r, false) }

// responseNodeOf builds a response's node; with placeholders, the entries
// and the wire chunks are one placeholder item each (encodeLong writes
// them in batches in their place).
func responseNodeOf(r *Response, placeholders bool) *yaml.Node {
	if r.Synth != nil {
		return synthResponseNode(r)
	}
	n := mapping(false)
	add(n, "status", intNode(r.Status))
	if len(r.Headers) > 0 {
		add(n, "headers", headersNode(r.Headers))
	}
	add(n, "headers_at", dur(r.HeadersAt))
	if r.IsStream() {
		entries := &yaml.Node{Kind: yaml.SequenceNode}
		switch {
		case placeholders && len(r.Entries) > 0:
			entries.Content = []*yaml.Node{str(entriesPlaceholder)}
		default:
			for i := range r.Entries {
				entries.Content = append(entries.Content, entryNode(&r.Entries[i]))
			}
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
		switch {
		case placeholders && len(w.Chunks) > 0:
			chunks.Content = []*yaml.Node{str(chunksPlaceholder)}
		default:
			for _, c := range w.Chunks {
				chunks.Content = append(chunks.Content, chunkNode(c))
			}
		}
		add(wn, "chunks", chunks)
		add(n, "wire", wn)
	}
	return n
}

// synthResponseNode writes a synthesized response as it was written: the
// status and headers unless they were the format's, and the synth: block
// (not the entries it expanded to).
func synthResponseNode(r *Response) *yaml.Node {
	n := mapping(false)
	if !r.Synth.defaultStatus {
		add(n, "status", intNode(r.Status))
	}
	if !r.Synth.defaultHeaders && len(r.Headers) > 0 {
		add(n, "headers", headersNode(r.Headers))
	}
	add(n, "synth", r.Synth.yamlNode())
	return n
}

func chunkNode(c Chunk) *yaml.Node {
	cn := mapping(true)
	add(cn, "at", dur(c.At))
	if utf8.Valid(c.Data) {
		s := str(string(c.Data))
		s.Style = yaml.DoubleQuotedStyle
		add(cn, "text", s)
	} else {
		add(cn, "base64", str(base64.StdEncoding.EncodeToString(c.Data)))
	}
	return cn
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

// A long stream is encoded in batches: its YAML node tree would be many
// times its size (yaml.v3 holds every node and then the whole output).
// The interaction is encoded with one placeholder item for its entries and
// one for its wire chunks, and each placeholder's line is replaced with
// the items, encoded itemBatch at a time in the same place of a document
// (the same nesting, so the same indentation and the same bytes as the
// whole tree: TestEncodeLongStream and FuzzParse check it).
const (
	itemBatch          = 512
	entriesPlaceholder = "ssetape-placeholder-entries-1c9e"
	chunksPlaceholder  = "ssetape-placeholder-chunks-1c9e"
)

func encodeLong(w io.Writer, it *Interaction) error {
	root := mapping(false)
	add(root, "interactions", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{interactionNodeOf(it, true)}})
	skel, err := encodeBytes(root)
	if err != nil {
		return err
	}
	skel = bytes.TrimPrefix(skel, []byte("interactions:\n"))
	r := &it.Response
	for _, part := range []struct {
		placeholder string
		n           int
		items       func(from, to int) *yaml.Node // the batch, in its place in a document
		head        string                        // the lines before the items in that document
	}{
		{entriesPlaceholder, len(r.Entries), func(from, to int) *yaml.Node {
			seq := &yaml.Node{Kind: yaml.SequenceNode}
			for i := from; i < to; i++ {
				seq.Content = append(seq.Content, entryNode(&r.Entries[i]))
			}
			resp := mapping(false)
			add(resp, "entries", seq)
			return resp
		}, "interactions:\n  - response:\n      entries:\n"},
		{chunksPlaceholder, wireLen(r.Wire), func(from, to int) *yaml.Node {
			seq := &yaml.Node{Kind: yaml.SequenceNode}
			for i := from; i < to; i++ {
				seq.Content = append(seq.Content, chunkNode(r.Wire.Chunks[i]))
			}
			wn := mapping(false)
			add(wn, "chunks", seq)
			resp := mapping(false)
			add(resp, "wire", wn)
			return resp
		}, "interactions:\n  - response:\n      wire:\n        chunks:\n"},
	} {
		if part.n == 0 {
			continue
		}
		at := bytes.Index(skel, []byte("- "+part.placeholder+"\n"))
		if at < 0 {
			return fmt.Errorf("cassette: the %s placeholder is not in the encoded interaction", part.placeholder)
		}
		start := bytes.LastIndexByte(skel[:at], '\n') + 1
		if _, err := w.Write(skel[:start]); err != nil {
			return err
		}
		skel = skel[at+len("- "+part.placeholder+"\n"):]
		for from := 0; from < part.n; from += itemBatch {
			resp := part.items(from, min(from+itemBatch, part.n))
			item := mapping(false)
			add(item, "response", resp)
			doc := mapping(false)
			add(doc, "interactions", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{item}})
			b, err := encodeBytes(doc)
			if err != nil {
				return err
			}
			lines, ok := bytes.CutPrefix(b, []byte(part.head))
			if !ok {
				return fmt.Errorf("cassette: a batch of items was not encoded in its place: %q", b[:min(len(b), 120)])
			}
			if _, err := w.Write(lines); err != nil {
				return err
			}
		}
	}
	_, err = w.Write(skel)
	return err
}

func wireLen(w *Wire) int {
	if w == nil {
		return 0
	}
	return len(w.Chunks)
}
