package fault

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/ssetape/ssetape/internal/clip"
)

// chunkFault cuts the same bytes differently: size=N bytes per write, a cut
// inside every CRLF (between CR and LF) or every multi-byte UTF-8 character
// (after its first byte), or everything in one write (coalesce) at the time
// of the last chunk; gap=D spaces the writes at least D apart, so that a
// client surely reads them one by one. No write spans a pause point:
// coalesce joins the chunks between two of them.
type chunkFault struct {
	how   string // size, split or coalesce
	size  int
	split string // crlf or utf8
	gap   time.Duration
}

func init() {
	register("chunk", []string{"size", "split", "coalesce", "gap"}, func(ps params) (fault, error) {
		which, err := ps.onlyOne(false, "size", "split", "coalesce")
		if err != nil {
			return nil, err
		}
		f := chunkFault{how: which}
		if f.size, _, err = ps.int("size", 1); err != nil {
			return nil, err
		}
		if f.gap, _, err = ps.dur("gap"); err != nil {
			return nil, err
		}
		f.split = ps["split"]
		if which == "split" && f.split != "crlf" && f.split != "utf8" {
			return nil, fmt.Errorf("split=%s: want crlf or utf8", clip.String(f.split, 40))
		}
		return f, nil
	})
}

func (chunkFault) phase() phase { return phaseFraming }

func (f chunkFault) apply(p *Plan, x *state) error {
	if !p.Stream || len(p.Chunks) == 0 {
		return nil
	}
	var out []Chunk
	switch f.how {
	case "coalesce":
		for i := 0; i < len(p.Chunks); {
			j := i + 1
			for j < len(p.Chunks) && p.Chunks[j].Pause == NoPause {
				j++
			}
			run := p.Chunks[i:j]
			out = append(out, Chunk{Due: run[len(run)-1].Due, Data: JoinBody(run), Pause: run[0].Pause})
			i = j
		}
	case "size":
		n := int64(0)
		for _, c := range p.Chunks {
			n += max(1, (int64(len(c.Data))+int64(f.size)-1)/int64(f.size))
		}
		if err := x.budget.checkChunks(n); err != nil {
			return err
		}
		out = make([]Chunk, 0, n)
		for _, c := range p.Chunks {
			pause := c.Pause
			for len(c.Data) > f.size {
				out = append(out, Chunk{Due: c.Due, Data: c.Data[:f.size:f.size], Pause: pause})
				c.Data, pause = c.Data[f.size:], NoPause
			}
			out = append(out, Chunk{Due: c.Due, Data: c.Data, Pause: pause})
		}
	case "split":
		for _, c := range p.Chunks {
			pause := c.Pause
			for _, part := range splitInside(c.Data, f.split) {
				out = append(out, Chunk{Due: c.Due, Data: part, Pause: pause})
				pause = NoPause
			}
			if err := x.budget.checkChunks(int64(len(out))); err != nil {
				return err
			}
		}
	}
	if f.gap > 0 { // space the writes
		for i := 1; i < len(out); i++ {
			out[i].Due = max(out[i].Due, out[i-1].Due+f.gap)
		}
		if p.EndDue != Forever {
			p.EndDue = max(p.EndDue, out[len(out)-1].Due)
		}
	}
	p.Chunks = out
	return nil
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
			out = append(out, data[start:cut:cut])
			start = cut
		}
	}
	return append(out, data[start:])
}
