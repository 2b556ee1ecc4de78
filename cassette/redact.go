package cassette

import (
	"bytes"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/ssetape/ssetape/internal/jsonscan"
	"github.com/ssetape/ssetape/sse"
)

// Redaction says what is replaced with REDACTED before a cassette is
// written. Always: headers and query parameters whose names SecretName
// matches, JSON fields so named (in request bodies and event data), and
// credential-shaped values anywhere (RedactValues). More by name and by JSON
// path.
type Redaction struct {
	Headers []string // more header names, any case
	Query   []string // more query parameter names
	// JSON paths whose values are redacted in request bodies and in the
	// data of events.
	JSON []Path
}

// headerSecret reports whether a header is redacted.
func (r Redaction) headerSecret(name string) bool {
	if SecretHeader(name) {
		return true
	}
	for _, h := range r.Headers {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// QuerySecret reports whether a query parameter is redacted.
func (r Redaction) QuerySecret(name string) bool {
	if SecretName(name) {
		return true
	}
	for _, q := range r.Query {
		if strings.EqualFold(q, name) {
			return true
		}
	}
	return false
}

// RedactHeaders returns h with credential headers and credential-shaped
// values redacted (a new map; h is not changed).
func (r Redaction) RedactHeaders(h Headers) Headers {
	if h == nil {
		return nil
	}
	out := Headers{}
	for k, vs := range h {
		vals := make([]string, len(vs))
		for i, v := range vs {
			if r.headerSecret(k) {
				vals[i] = Redacted
			} else {
				vals[i], _ = RedactValues(v)
			}
		}
		out[k] = vals
	}
	return out
}

// RedactQuery returns a raw query with secret parameters' values and
// credential-shaped values redacted, the order and spelling of the rest
// kept.
func (r Redaction) RedactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, v, has := strings.Cut(p, "=")
		name, _ := url.QueryUnescape(k)
		switch {
		case has && r.QuerySecret(name):
			parts[i] = k + "=" + Redacted
		case has:
			if val, err := url.QueryUnescape(v); err == nil {
				if red, changed := RedactValues(val); changed {
					parts[i] = k + "=" + url.QueryEscape(red)
				}
			}
		}
	}
	return strings.Join(parts, "&")
}

// RedactPath is RedactQuery applied to a path with its query.
func (r Redaction) RedactPath(path string) string {
	p, q, ok := strings.Cut(path, "?")
	if !ok {
		return path
	}
	return p + "?" + r.RedactQuery(q)
}

// RedactBody redacts a body: in a JSON document, the values at the JSON
// paths and of credential-named fields, in place (the rest of the bytes,
// spacing and key order, stay as they were); in any body, credential-shaped
// values.
func (r Redaction) RedactBody(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	ranges := r.bodyRanges(b)
	if len(ranges) == 0 {
		return b
	}
	return replaceRanges(b, ranges)
}

// span is a byte range to redact: a whole JSON value (replaced by
// "REDACTED", quotes and all, so that the document stays JSON), or text
// (replaced by REDACTED).
type span struct {
	s, e int
	json bool
}

// bodyRanges lists what RedactBody replaces.
func (r Redaction) bodyRanges(b []byte) []span {
	var spans []span
	if doc := bytes.TrimSpace(b); len(doc) > 0 && (doc[0] == '{' || doc[0] == '[') {
		for _, p := range r.JSON {
			if s, e, ok := locate(b, 0, p.Steps); ok && string(b[s:e]) != redactedJSON {
				spans = append(spans, span{s, e, true})
			}
		}
		for _, rg := range namedRanges(b) {
			spans = append(spans, span{rg[0], rg[1], true})
		}
	}
	for _, rg := range redactRanges(b) {
		spans = append(spans, span{rg[0], rg[1], false})
	}
	return spans
}

// redactedJSON is what a redacted JSON value becomes.
const redactedJSON = `"` + Redacted + `"`

// replaceRanges replaces the spans of b (in any order, possibly
// overlapping).
func replaceRanges(b []byte, spans []span) []byte {
	spans = mergeRanges(spans)
	var out []byte
	pos := 0
	for _, sp := range spans {
		out = append(out, b[pos:sp.s]...)
		out = append(out, sp.replacement()...)
		pos = sp.e
	}
	return append(out, b[pos:]...)
}

func (sp span) replacement() string {
	if sp.json {
		return redactedJSON
	}
	return Redacted
}

// mergeRanges sorts spans and joins the ones that overlap; a JSON value
// holds any text span inside it.
func mergeRanges(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return a.s - b.s })
	var out []span
	for _, sp := range spans {
		if n := len(out); n > 0 && sp.s < out[n-1].e {
			out[n-1].e = max(out[n-1].e, sp.e)
			out[n-1].json = out[n-1].json || sp.json
			continue
		}
		out = append(out, sp)
	}
	return out
}

// namedRanges finds, at any depth of a JSON document, the string and number
// values of fields whose names SecretName matches.
func namedRanges(b []byte) [][2]int {
	var out [][2]int
	// advance is where a walk goes on from: next, or the end when the
	// value at i did not move it (a byte that starts no value, in a
	// document that is not JSON), so that every loop ends.
	advance := func(i, next int) int {
		if next <= i {
			return len(b)
		}
		return next
	}
	var walk func(i int) int
	walk = func(i int) int {
		i = jsonscan.SkipSpace(b, i)
		if i >= len(b) {
			return i
		}
		switch b[i] {
		case '{':
			i++
			for {
				i = jsonscan.SkipSpace(b, i)
				if i >= len(b) || b[i] == '}' {
					return i + 1
				}
				if b[i] == ',' {
					i++
					continue
				}
				if b[i] != '"' {
					return len(b)
				}
				kEnd := jsonscan.SkipString(b, i)
				key := jsonscan.Unquote(b[i:kEnd])
				i = jsonscan.SkipSpace(b, kEnd)
				if i >= len(b) || b[i] != ':' {
					return len(b)
				}
				i = jsonscan.SkipSpace(b, i+1)
				if i < len(b) && SecretName(key) && (b[i] == '"' || b[i] == '-' || (b[i] >= '0' && b[i] <= '9')) {
					e := jsonscan.SkipValue(b, i)
					if string(b[i:e]) != redactedJSON {
						out = append(out, [2]int{i, e})
					}
					i = e
					continue
				}
				if i = advance(i, walk(i)); i >= len(b) {
					return i
				}
			}
		case '[':
			i++
			for {
				i = jsonscan.SkipSpace(b, i)
				if i >= len(b) || b[i] == ']' {
					return i + 1
				}
				if b[i] == ',' {
					i++
					continue
				}
				if i = advance(i, walk(i)); i >= len(b) {
					return i
				}
			}
		}
		return jsonscan.SkipValue(b, i)
	}
	walk(0)
	return out
}

// RedactStream rewrites a recorded stream's wire chunks so that no secret
// survives in any event's data (the JSON paths, credential-named fields,
// credential-shaped values), and derives the entries again; the wire section
// is then marked redacted, since those chunks are no longer the bytes that
// went over the wire. A value split across chunks is replaced where it
// starts, so chunk bounds move. A value that spans data lines is left.
func (r Redaction) RedactStream(resp *Response) error {
	if resp.Wire == nil {
		return nil
	}
	body, starts := joinChunks(resp.Wire.Chunks)
	var edits []span
	d := sse.NewDecoder(bytes.NewReader(body))
	for {
		b, err := d.NextBlock()
		if err == io.EOF || err != nil {
			break
		}
		edits = append(edits, r.blockEdits(body, b)...)
	}
	if len(edits) == 0 {
		return nil
	}
	nb, newAt := rebuild(body, mergeRanges(edits))
	chunks := make([]Chunk, len(resp.Wire.Chunks))
	prev := 0
	for i, c := range resp.Wire.Chunks {
		end := newAt[starts[i]+int64(len(c.Data))]
		if i == len(chunks)-1 {
			end = len(nb)
		}
		chunks[i] = Chunk{At: c.At, Data: nb[prev:max(end, prev)]}
		prev = max(end, prev)
	}
	if err := resp.SetChunks(chunks); err != nil {
		return err
	}
	resp.Wire.Redacted = true
	return nil
}

// blockEdits are the body ranges to redact in one block's data (and
// comments: a credential-shaped value there too).
func (r Redaction) blockEdits(body []byte, b sse.Block) []span {
	var data []byte
	var at []int // the body offset of each byte of data, -1 for a line break between data lines
	var edits []span
	for _, l := range b.Lines {
		raw := body[l.Start:l.End]
		v := bytes.IndexByte(raw, ':') + 1
		if v > 0 && v < len(raw) && raw[v] == ' ' {
			v++
		}
		val := bytes.TrimRight(raw[max(v, 0):], "\r\n")
		base := int(l.Start) + max(v, 0)
		if l.Kind != sse.Data {
			if l.Kind == sse.Comment {
				for _, rg := range redactRanges(val) {
					edits = append(edits, span{base + rg[0], base + rg[1], false})
				}
			}
			continue
		}
		if len(data) > 0 {
			data = append(data, '\n')
			at = append(at, -1)
		}
		for k := range val {
			at = append(at, base+k)
		}
		data = append(data, val...)
	}
	for _, sp := range r.bodyRanges(data) {
		s, e := sp.s, sp.e
		if s >= e || at[s] < 0 || at[e-1] < 0 || at[e-1]-at[s] != e-1-s {
			continue // the value spans lines: leave the structure
		}
		edits = append(edits, span{at[s], at[e-1] + 1, sp.json})
	}
	return edits
}

// rebuild replaces the edits (sorted, apart) in body, and maps each old
// offset to its new place.
func rebuild(body []byte, edits []span) ([]byte, []int) {
	nb := make([]byte, 0, len(body))
	newAt := make([]int, len(body)+1)
	pos, k := 0, 0
	for pos <= len(body) {
		if k < len(edits) && pos == edits[k].s {
			for q := edits[k].s; q < edits[k].e; q++ {
				newAt[q] = len(nb)
			}
			nb = append(nb, edits[k].replacement()...)
			pos = edits[k].e
			k++
			continue
		}
		newAt[pos] = len(nb)
		if pos < len(body) {
			nb = append(nb, body[pos])
		}
		pos++
	}
	return nb, newAt
}

// RedactInteraction redacts an interaction for a cassette: its path's
// query, both sides' headers and bodies, and its stream (entries and wire
// chunks).
func (r Redaction) RedactInteraction(it *Interaction) error {
	it.Request.Path = r.RedactPath(it.Request.Path)
	it.Request.Headers = r.RedactHeaders(it.Request.Headers)
	it.Request.Body = r.RedactBody(it.Request.Body)
	it.Response.Headers = r.RedactHeaders(it.Response.Headers)
	it.Response.Body = r.RedactBody(it.Response.Body)
	if it.Response.Wire != nil {
		return r.RedactStream(&it.Response)
	}
	for i := range it.Response.Entries {
		e := &it.Response.Entries[i]
		if e.HasData {
			e.Data = string(r.RedactBody([]byte(e.Data)))
		}
		e.Comment, _ = RedactValues(e.Comment)
		e.Raw, _ = RedactValues(e.Raw)
	}
	return nil
}

// With returns r with more header and query parameter names to redact.
func (r Redaction) With(headers, query []string) Redaction {
	return Redaction{Headers: append(slices.Clone(r.Headers), headers...), Query: append(slices.Clone(r.Query), query...), JSON: r.JSON}
}
