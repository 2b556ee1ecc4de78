package replayer

import (
	"bytes"
	"io"
	"time"
	"unicode/utf8"

	"github.com/ssetape/ssetape/sse"
)

// forever is the EndDue of a stream that stalls with no end.
const forever = time.Duration(1 << 62)

// funcFault is a fault that is one function of the plan.
type funcFault struct {
	ph int
	fn func(p *Plan, ctx *faultContext) error
}

func (f funcFault) phase() int                             { return f.ph }
func (f funcFault) apply(p *Plan, ctx *faultContext) error { return f.fn(p, ctx) }

// cutPoint is where close, reset and stall act: after N events (as sent),
// after N bytes of the body, or at a time.
type cutPoint struct {
	after, bytes int
	at           time.Duration
	kind         string
}

func parseCut(params map[string]string) (cutPoint, error) {
	var c cutPoint
	which, err := onlyOne(params, false, "after", "bytes", "at")
	if err != nil {
		return c, err
	}
	c.kind = which
	switch which {
	case "after":
		c.after, _, err = intParam(params, "after", 0)
	case "bytes":
		c.bytes, _, err = intParam(params, "bytes", 0)
	case "at":
		c.at, _, err = durParam(params, "at")
	}
	return c, err
}

// split divides the plan's chunks at the cut point: what is sent before,
// what would have come after, and when the cut happens.
func (c cutPoint) split(p *Plan) (before, after []Chunk, when time.Duration) {
	if c.kind == "at" {
		for i, ch := range p.Chunks {
			if ch.Due > c.at {
				return p.Chunks[:i], p.Chunks[i:], max(c.at, p.HeadersDue)
			}
		}
		return p.Chunks, nil, max(c.at, p.HeadersDue)
	}
	off := int64(c.bytes)
	if c.kind == "after" {
		off = -1
		if c.after == 0 {
			off = 0
		}
		d := sse.NewDecoder(bytes.NewReader(joinBody(p.Chunks)))
		for n := 0; n < c.after; {
			b, err := d.NextBlock()
			if err == io.EOF || err != nil {
				break
			}
			if b.Dispatched {
				n++
				if n == c.after {
					off = b.End
				}
			}
		}
		if off < 0 { // fewer events than that: nothing is cut
			return p.Chunks, nil, p.EndDue
		}
	}
	ps := toPieces(p.Chunks, []int64{off})
	pos := int64(0)
	for i := range ps {
		if pos >= off {
			when = p.HeadersDue
			if i > 0 {
				when = ps[i-1].due
			}
			ps[max(i-1, 0)].end = true
			return fromPieces(ps[:i]), fromPieces(ps[i:]), when
		}
		pos += int64(len(ps[i].data))
	}
	return p.Chunks, nil, p.EndDue
}

func registerCut(name string, keys []string, do func(p *Plan, c cutPoint, stallFor time.Duration, hasFor bool)) {
	registerFault(name, keys, func(params map[string]string) (fault, error) {
		c, err := parseCut(params)
		if err != nil {
			return nil, err
		}
		d, hasFor, err := durParam(params, "for")
		if err != nil {
			return nil, err
		}
		return funcFault{ph: phaseCut, fn: func(p *Plan, _ *faultContext) error {
			if p.Stream {
				do(p, c, d, hasFor)
			}
			return nil
		}}, nil
	})
}

// cutKeys are the keys of close, reset and stall.
var cutKeys = []string{"after", "bytes", "at"}

// splitInside cuts data inside every CRLF (between CR and LF) or inside
// every multi-byte UTF-8 character (after its first byte).
func splitInside(data []byte, how string) [][]byte {
	var out [][]byte
	start := 0
	for i := 0; i < len(data); i++ {
		cut := -1
		switch how {
		case "crlf":
			if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
				cut = i + 1
			}
		case "utf8":
			if data[i] >= 0xC0 {
				if _, n := utf8.DecodeRune(data[i:]); n > 1 {
					cut = i + 1
				}
			}
		}
		if cut > start {
			out = append(out, data[start:cut])
			start = cut
		}
	}
	return append(out, data[start:])
}

// rewriteEOL replaces every line end (CRLF, LF or CR, also a CRLF split
// between two chunks) with eol, chunk by chunk.
func rewriteEOL(chunks []Chunk, eol string) []Chunk {
	out := make([]Chunk, 0, len(chunks))
	afterCR := false
	for _, c := range chunks {
		var b []byte
		for _, x := range c.Data {
			switch {
			case x == '\n' && afterCR:
				afterCR = false
			case x == '\r':
				b = append(b, eol...)
				afterCR = true
			case x == '\n':
				b = append(b, eol...)
			default:
				b = append(b, x)
				afterCR = false
			}
		}
		out = append(out, Chunk{Due: c.Due, Data: b})
	}
	return out
}
