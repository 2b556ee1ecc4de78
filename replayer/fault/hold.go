package fault

import (
	"fmt"

	"github.com/ssetape/ssetape/internal/clip"
)

// holdFault holds the stream until the control API releases it: like a
// stall, the connection stays open and nothing is sent, but the transport
// parks the stream outside its schedule and resumes it, its remaining due
// times shifted by the time held, when told to. Bare hold waits after the
// status, the headers and any comments before the first event; after=N
// after event N (after=0 is bare hold); type=T (with type-from) or data=TEXT
// before the first event that matches; headers before the status line.
// Events count as sent, after the event faults. A hold point is a barrier:
// the chunk it falls in is cut there, and no framing fault moves bytes
// across it. A hold the stream never reaches (after=N past its events, a
// type it lacks) holds nothing. On a response that is not a stream only
// headers applies.
type holdFault struct {
	headers bool
	after   int // events before the hold; -1: by selector
	sel     Selector
}

func init() {
	register("hold", []string{"after", "type", "type-from", "data", "headers"}, func(ps params) (fault, error) {
		which, err := ps.onlyOne(true, "after", "type", "data", "headers")
		if err != nil {
			return nil, err
		}
		if _, ok := ps["type-from"]; ok && which != "type" {
			return nil, fmt.Errorf("type-from goes with type=T")
		}
		f := holdFault{}
		switch which {
		case "headers":
			b, err := yesNo(ps["headers"])
			if err != nil {
				return nil, fmt.Errorf("headers=%s: %v", clip.String(ps["headers"], 40), err)
			}
			if !b {
				return nil, fmt.Errorf("headers=no holds nothing; leave the key out for a hold before the first event")
			}
			f.headers = true
		case "after":
			f.after, _, err = ps.int("after", 0)
		case "type", "data":
			f.after = -1
			_, hasData := ps["data"]
			f.sel, err = NewSelector(ps["type"], ps["type-from"], ps["data"], hasData)
		}
		return f, err
	})
}

func (holdFault) phase() phase { return phaseCut }

func (f holdFault) apply(p *Plan, _ *state) error {
	if f.headers {
		p.HoldHeaders = true
		return nil
	}
	if !p.Stream {
		return nil
	}
	off := f.offset(p.Chunks)
	if off < 0 {
		return nil
	}
	before, after := splitAt(p.Chunks, off)
	if len(after) == 0 { // a hold at the very end, before the stream ends
		due := p.HeadersDue
		if n := len(before); n > 0 {
			due = before[n-1].Due
		}
		after = []Chunk{{Due: due}}
	} else {
		after = append([]Chunk(nil), after...)
	}
	after[0].Pause = Hold
	p.Chunks = append(before[:len(before):len(before)], after...)
	return nil
}

// offset is the body offset the hold falls at, -1 for none: the start of
// the block of the first event (bare), the end of event N's block
// (after=N), the start of the first matching event's block.
func (f holdFault) offset(chunks []Chunk) int64 {
	n := 0
	for _, b := range blockBounds(chunks) {
		if !b.Dispatched {
			continue
		}
		n++
		switch {
		case f.after == 0 || (f.after < 0 && f.sel.Matches(b.Event)):
			return b.Start
		case f.after > 0 && n == f.after:
			return b.End
		}
	}
	return -1
}
