package recorder

import (
	"bytes"
	"io"
	"slices"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/internal/jsonscan"
	"github.com/ssetape/ssetape/sse"
)

// redactedJSON is what a redacted JSON value becomes.
const redactedJSON = `"REDACTED"`

// RedactJSON replaces the values at the paths in a JSON document with
// "REDACTED", in place: the rest of the bytes (spacing, key order) stay as
// they were. A document that is not JSON, or lacks a path, is left alone.
func RedactJSON(doc []byte, paths []cassette.Path) []byte {
	for _, p := range paths {
		for {
			s, e, ok := locate(doc, 0, p.Steps)
			if !ok || string(doc[s:e]) == redactedJSON {
				break
			}
			doc = slices.Concat(doc[:s], []byte(redactedJSON), doc[e:])
		}
	}
	return doc
}

// redactStream rewrites a recorded stream's chunks so that no value at the
// paths survives in any event's data, and re-derives the entries; the wire
// section is then marked redacted. A value split across chunks is replaced
// where it starts, so chunk bounds move.
func redactStream(r *cassette.Response, paths []cassette.Path) error {
	if r.Wire == nil || len(paths) == 0 {
		return nil
	}
	var body []byte
	var ends []int
	for _, c := range r.Wire.Chunks {
		body = append(body, c.Data...)
		ends = append(ends, len(body))
	}
	type edit struct{ s, e int }
	var edits []edit
	d := sse.NewDecoder(bytes.NewReader(body))
	for {
		b, err := d.NextBlock()
		if err == io.EOF || err != nil {
			break
		}
		// Map the data string's offsets to body offsets, line by line.
		var data []byte
		var at []int // body offset of each byte of data
		for _, l := range b.Lines {
			if l.Kind != sse.Data {
				continue
			}
			raw := body[l.Start:l.End]
			v := bytes.IndexByte(raw, ':') + 1
			if v > 0 && v < len(raw) && raw[v] == ' ' {
				v++
			}
			if len(data) > 0 {
				data = append(data, '\n')
				at = append(at, -1)
			}
			val := bytes.TrimRight(raw[max(v, 0):], "\r\n")
			for k := range val {
				at = append(at, int(l.Start)+max(v, 0)+k)
			}
			data = append(data, val...)
		}
		for _, p := range paths {
			s, e, ok := locate(data, 0, p.Steps)
			if !ok || at[s] < 0 || at[e-1] < 0 || string(data[s:e]) == redactedJSON {
				continue
			}
			if at[e-1]-at[s] != e-1-s { // the value spans lines: leave the structure, cut the content
				continue
			}
			edits = append(edits, edit{at[s], at[e-1] + 1})
		}
	}
	if len(edits) == 0 {
		return nil
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.s - b.s })
	// Rebuild the body and map each chunk end to its new place.
	var nb []byte
	newAt := make([]int, len(body)+1)
	pos, k := 0, 0
	for pos <= len(body) {
		if k < len(edits) && pos == edits[k].s {
			for q := edits[k].s; q < edits[k].e; q++ {
				newAt[q] = len(nb)
			}
			nb = append(nb, redactedJSON...)
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
	chunks := make([]cassette.Chunk, len(r.Wire.Chunks))
	prev := 0
	for i, c := range r.Wire.Chunks {
		end := newAt[ends[i]]
		if i == len(chunks)-1 {
			end = len(nb)
		}
		chunks[i] = cassette.Chunk{At: c.At, Data: nb[prev:max(end, prev)]}
		prev = max(end, prev)
	}
	if err := r.SetChunks(chunks); err != nil {
		return err
	}
	r.Wire.Redacted = true
	return nil
}

// locate finds the byte range of the value at steps in a JSON document.
func locate(b []byte, i int, steps []any) (int, int, bool) {
	i = jsonscan.SkipSpace(b, i)
	if i >= len(b) {
		return 0, 0, false
	}
	if len(steps) == 0 {
		e := jsonscan.SkipValue(b, i)
		return i, e, e > i
	}
	switch step := steps[0].(type) {
	case string:
		if b[i] != '{' {
			return 0, 0, false
		}
		i++
		for {
			i = jsonscan.SkipSpace(b, i)
			if i >= len(b) || b[i] == '}' {
				return 0, 0, false
			}
			if b[i] == ',' {
				i++
				continue
			}
			if b[i] != '"' {
				return 0, 0, false
			}
			kEnd := jsonscan.SkipString(b, i)
			key := jsonscan.Unquote(b[i:kEnd])
			i = jsonscan.SkipSpace(b, kEnd)
			if i >= len(b) || b[i] != ':' {
				return 0, 0, false
			}
			i = jsonscan.SkipSpace(b, i+1)
			if key == step {
				return locate(b, i, steps[1:])
			}
			i = jsonscan.SkipValue(b, i)
		}
	case int:
		if b[i] != '[' {
			return 0, 0, false
		}
		i++
		for n := 0; ; n++ {
			i = jsonscan.SkipSpace(b, i)
			if i >= len(b) || b[i] == ']' {
				return 0, 0, false
			}
			if n == step {
				return locate(b, i, steps[1:])
			}
			i = jsonscan.SkipSpace(b, jsonscan.SkipValue(b, i))
			if i < len(b) && b[i] == ',' {
				i++
			}
		}
	}
	return 0, 0, false
}
