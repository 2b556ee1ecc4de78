package replayer

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
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

func init() {
	cutKeys := []string{"after", "bytes", "at"}
	registerCut("close", cutKeys, func(p *Plan, c cutPoint, _ time.Duration, _ bool) {
		before, after, when := c.split(p)
		if after != nil {
			p.Chunks, p.EndDue, p.Reset = before, when, false
		}
	})
	registerCut("reset", cutKeys, func(p *Plan, c cutPoint, _ time.Duration, _ bool) {
		before, after, when := c.split(p)
		if after != nil || c.kind == "at" {
			p.Chunks, p.EndDue, p.Reset = before, when, true
		}
	})
	registerCut("stall", append(cutKeys, "for"), func(p *Plan, c cutPoint, d time.Duration, hasFor bool) {
		before, after, when := c.split(p)
		if !hasFor {
			p.Chunks, p.EndDue, p.Reset = before, forever, false
			return
		}
		for i := range after {
			after[i].Due = max(after[i].Due, when) + d
		}
		p.Chunks = append(before, after...)
		p.EndDue = max(p.EndDue, when) + d
	})

	registerFault("chunk", []string{"size", "split", "coalesce"}, func(params map[string]string) (fault, error) {
		which, err := onlyOne(params, false, "size", "split", "coalesce")
		if err != nil {
			return nil, err
		}
		size, _, err := intParam(params, "size", 1)
		if err != nil {
			return nil, err
		}
		split := params["split"]
		if which == "split" && split != "crlf" && split != "utf8" {
			return nil, fmt.Errorf("split=%s: want crlf or utf8", split)
		}
		return funcFault{ph: phaseFraming, fn: func(p *Plan, _ *faultContext) error {
			if !p.Stream || len(p.Chunks) == 0 {
				return nil
			}
			var out []Chunk
			switch which {
			case "coalesce":
				last := p.Chunks[len(p.Chunks)-1].Due
				out = []Chunk{{Due: last, Data: joinBody(p.Chunks)}}
			case "size":
				for _, c := range p.Chunks {
					for len(c.Data) > size {
						out = append(out, Chunk{Due: c.Due, Data: c.Data[:size]})
						c.Data = c.Data[size:]
					}
					out = append(out, Chunk{Due: c.Due, Data: c.Data})
				}
			case "split":
				for _, c := range p.Chunks {
					for _, part := range splitInside(c.Data, split) {
						out = append(out, Chunk{Due: c.Due, Data: part})
					}
				}
			}
			p.Chunks = out
			return nil
		}}, nil
	})

	registerFault("eol", []string{"to"}, func(params map[string]string) (fault, error) {
		to, ok := sse.ParseLineEnding(params["to"])
		if !ok {
			return nil, fmt.Errorf("to=%s: want lf, crlf or cr", params["to"])
		}
		return funcFault{ph: phaseFraming, fn: func(p *Plan, _ *faultContext) error {
			if p.Stream {
				p.Chunks = rewriteEOL(p.Chunks, to.Bytes())
			}
			return nil
		}}, nil
	})

	registerFault("bandwidth", []string{"bps"}, func(params map[string]string) (fault, error) {
		bps, ok, err := intParam(params, "bps", 1)
		if err == nil && !ok {
			err = fmt.Errorf("give bps=N (bytes per second)")
		}
		if err != nil {
			return nil, err
		}
		return funcFault{ph: phaseFraming, fn: func(p *Plan, _ *faultContext) error {
			if !p.Stream {
				return nil
			}
			step := max(1, bps/50) // a write every 20 ms at most
			var out []Chunk
			t := p.HeadersDue
			for _, c := range p.Chunks {
				t = max(t, c.Due)
				for data := c.Data; len(data) > 0; {
					n := min(step, len(data))
					out = append(out, Chunk{Due: t, Data: data[:n]})
					data = data[n:]
					t += time.Duration(int64(n) * int64(time.Second) / int64(bps))
				}
			}
			p.Chunks = out
			p.EndDue = max(p.EndDue, t)
			return nil
		}}, nil
	})

	registerFault("delay", []string{"headers"}, func(params map[string]string) (fault, error) {
		d, ok, err := durParam(params, "headers")
		if err == nil && !ok {
			err = fmt.Errorf("give headers=D")
		}
		return funcFault{ph: phaseTiming, fn: func(p *Plan, _ *faultContext) error {
			p.HeadersDue += d
			for i := range p.Chunks {
				p.Chunks[i].Due += d
			}
			if p.EndDue != forever {
				p.EndDue += d
			}
			return nil
		}}, err
	})

	registerFault("status", []string{"code", "retry-after", "body"}, func(params map[string]string) (fault, error) {
		code, ok, err := intParam(params, "code", 100)
		if err == nil && (!ok || code > 599) {
			err = fmt.Errorf("give code=N, an HTTP status from 100 to 599")
		}
		if err != nil {
			return nil, err
		}
		retry, hasRetry, err := intParam(params, "retry-after", 0)
		if err != nil {
			return nil, fmt.Errorf("%v (whole seconds, as HTTP sends it)", err)
		}
		body, hasBody := params["body"]
		return funcFault{ph: phaseResponse, fn: func(p *Plan, _ *faultContext) error {
			p.Status, p.Stream, p.Chunks, p.Reset = code, false, nil, false
			p.Header = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
			if hasRetry {
				p.Header.Set("Retry-After", strconv.Itoa(retry))
			}
			switch {
			case code == http.StatusNoContent || code == http.StatusNotModified || code < 200:
				p.Body = nil
			case hasBody:
				p.Body = []byte(body)
			default:
				p.Body = []byte(fmt.Sprintf("ssetape fault: status %d %s\n", code, http.StatusText(code)))
			}
			return nil
		}}, nil
	})

	registerFault("content-type", []string{"value"}, func(params map[string]string) (fault, error) {
		v, ok := params["value"]
		if !ok {
			return nil, fmt.Errorf("give value=TEXT (value= for no Content-Type at all)")
		}
		return funcFault{ph: phaseResponse, fn: func(p *Plan, _ *faultContext) error {
			if v == "" {
				p.Header.Del("Content-Type")
				p.NoContentType = true
			} else {
				p.Header.Set("Content-Type", v)
			}
			return nil
		}}, nil
	})
}

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
