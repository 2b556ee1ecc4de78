package sse

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ssetape/ssetape/internal/streamgen"
)

// referenceDecode is a deliberately plain reading of WHATWG HTML §9.2.6 over
// the whole input: no buffers, no fast paths. The real decoder is checked
// against it.
func referenceDecode(in []byte, seed string) (events []ev, lastID string, discarded bool) {
	in = bytes.TrimPrefix(in, bom)
	text := string(appendUTF8(nil, in))
	var lines []string
	for {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			break
		}
		lines = append(lines, text[:i])
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
	pending := text != ""
	var data strings.Builder
	typ, idBuf := "", seed
	lastID = seed
	dirty := false
	for _, l := range lines {
		if l == "" {
			lastID = idBuf
			dirty = false
			if data.Len() == 0 {
				typ = ""
				continue
			}
			d := strings.TrimSuffix(data.String(), "\n")
			events = append(events, ev{typ, d, lastID})
			data.Reset()
			typ = ""
			continue
		}
		dirty = true
		if l[0] == ':' {
			continue
		}
		name, value, found := strings.Cut(l, ":")
		if found {
			value = strings.TrimPrefix(value, " ")
		}
		switch name {
		case "data":
			data.WriteString(value)
			data.WriteByte('\n')
		case "event":
			typ = value
		case "id":
			if !strings.ContainsRune(value, 0) {
				idBuf = value
			}
		}
	}
	return events, lastID, pending || dirty
}

func decodeEvents(t testing.TB, r io.Reader, seed string) ([]ev, string, bool) {
	d := NewDecoder(r)
	if seed != "" {
		d.SetLastEventID(seed)
	}
	var out []ev
	for {
		e, err := d.Next()
		if err == io.EOF {
			return out, d.LastEventID(), d.Discarded()
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, ev{e.Type, e.Data, e.LastEventID})
	}
}

func FuzzDecoderReference(f *testing.F) {
	for _, c := range specCases {
		f.Add([]byte(c.in), c.seed, uint64(1))
	}
	f.Fuzz(func(t *testing.T, in []byte, seed string, rs uint64) {
		if strings.ContainsAny(seed, "\x00\r\n") {
			return
		}
		if len(in) > 4<<10 { // as FuzzDecoderChunking: short inputs, a fast minimizer
			in = in[:4<<10]
		}
		want, wantID, wantDisc := referenceDecode(in, seed)
		got, gotID, gotDisc := decodeEvents(t, &randomReader{data: in, rng: rand.New(rand.NewPCG(rs, 2))}, seed)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("input %q: events differ from the reference (-ref +got):\n%s", in, diff)
		}
		if gotID != wantID || gotDisc != wantDisc {
			t.Fatalf("input %q: last id %q discarded %v, reference %q %v", in, gotID, gotDisc, wantID, wantDisc)
		}
	})
}

// bigStream is LLM-like input with the awkward cases mixed in every few
// events: multi-line data, bare CRs, invalid UTF-8, ids, retry lines,
// unknown fields and long lines, so that they fall across read and buffer
// boundaries.
func bigStream(eol string) []byte {
	base := streamgen.LLM(400<<10, eol)
	var b bytes.Buffer
	odd := []string{
		"data: line one\ndata: line two\r\ndata: three\rdata: four\n\n",
		"event: weird\rdata: \xE2\x82 broken \xFF rune\r\r",
		"id: 42\nretry: 1500\nfoo: bar\ndata\n\n",
		"event: long\ndata: " + strings.Repeat("日本語", 20000) + "\n\n",
		": comment\r\nid\r\ndata: after reset\r\n\r\n",
		"data: x\ndata:\n\n",
	}
	n := 0
	for len(base) > 0 {
		i := bytes.Index(base, []byte(eol+eol))
		if i < 0 {
			b.Write(base)
			break
		}
		b.Write(base[:i+2*len(eol)])
		base = base[i+2*len(eol):]
		n++
		if n%37 == 0 {
			b.WriteString(odd[(n/37)%len(odd)])
		}
	}
	return b.Bytes()
}

func TestDecoderMatchesReferenceOnBigStreams(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n", "\r"} {
		in := bigStream(eol)
		want, wantID, _ := referenceDecode(in, "")
		for _, sizes := range [][]int{{4096}, {1}, {7, 4093, 1, 65536}, {32 << 10}} {
			if sizes[0] == 1 && len(in) > 200<<10 {
				in := in[:200<<10]
				want, _, _ := referenceDecode(in, "")
				got, _, _ := decodeEvents(t, &chunkReader{data: in, sizes: sizes}, "")
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("eol %q one byte reads: (-ref +got):\n%s", eol, diff)
				}
				continue
			}
			got, gotID, _ := decodeEvents(t, &chunkReader{data: in, sizes: sizes}, "")
			if len(got) != len(want) {
				t.Fatalf("eol %q reads %v: %d events, reference %d", eol, sizes, len(got), len(want))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("eol %q reads %v (-ref +got):\n%s", eol, sizes, diff)
			}
			if gotID != wantID {
				t.Fatalf("last id %q, reference %q", gotID, wantID)
			}
		}
		t.Logf("eol %q: %d events agree", eol, len(want))
	}
}
