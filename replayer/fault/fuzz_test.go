package fault

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ssetape/ssetape/sse"
)

// FuzzParseFaults: the fault grammar never panics, and an accepted spec
// parses again from its own text.
func FuzzParseFaults(f *testing.F) {
	for _, s := range []string{"close:after=3", `inject:after=2,type=error,data="{\"a\":\"b,c;d\"}"`, "chunk:coalesce;eol:to=cr",
		"drop:type=x,count=2,p=0.5,resume=yes", "status:code=503,retry-after=2,body=\"a;b\"", "none", "", ";;", `x:"`, "stall:at=1s,for=2s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		specs, err := Parse(s)
		if err != nil {
			return
		}
		for _, sp := range specs {
			again, err := Parse(sp.String())
			if err != nil || len(again) != 1 || again[0].Name() != sp.Name() {
				t.Fatalf("%q parsed, but its part %q does not: %v", s, sp.String(), err)
			}
		}
	})
}

// FuzzApplyFaults applies fault lists to arbitrary streams: nothing panics,
// due times never go backwards, and the events each chunk is said to
// complete are the events a client decodes.
func FuzzApplyFaults(f *testing.F) {
	f.Add([]byte("event: a\ndata: 1\n\nid: 2\ndata: x\r\n\r\n: c\n\ndata: \xE2\x82\n\n"), "drop:event=1;inject:after=1,type=e;chunk:split=utf8", uint64(1))
	f.Add([]byte("data: a\rdata: b\r\r"), "merge:event=1;truncate:event=2;eol:to=crlf", uint64(2))
	f.Add([]byte("data: 1\n\ndata: 2\n\n"), "reorder:event=1;duplicate:type=message;close:bytes=7;bandwidth:bps=100", uint64(3))
	f.Add([]byte("data: 1\n\ndata: 2\n\ndata: tail"), "corrupt:event=2,kind=garbage;stall:after=1,for=1s;delay:headers=1s;chunk:size=3", uint64(4))
	f.Fuzz(func(t *testing.T, body []byte, faults string, seed uint64) {
		specs, err := Parse(faults)
		if err != nil {
			return
		}
		rng := rand.New(rand.NewPCG(seed, 9))
		p := &Plan{Status: 200, Stream: true, Header: map[string][]string{}}
		at := time.Duration(0)
		for rest := body; len(rest) > 0; {
			n := min(1+rng.IntN(12), len(rest))
			at += time.Duration(rng.IntN(100)) * time.Millisecond
			p.Chunks = append(p.Chunks, Chunk{Due: at, Data: rest[:n]})
			rest = rest[n:]
		}
		p.EndDue = at
		applied, err := Apply(context.Background(), p, specs, rng, DefaultLimits)
		var limit *LimitError
		if errors.As(err, &limit) {
			return
		}
		if err != nil {
			t.Fatalf("Apply(%q): %v", faults, err)
		}
		if !p.Stream {
			return
		}
		prev := time.Duration(0)
		var said []sse.Event
		for _, c := range p.Chunks {
			if c.Due < prev {
				t.Fatalf("due times go backwards: %v after %v", c.Due, prev)
			}
			prev = c.Due
			said = append(said, c.Events...)
		}
		d := sse.NewDecoder(bytes.NewReader(JoinBody(p.Chunks)))
		var got []sse.Event
		for {
			e, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return
			}
			got = append(got, e)
		}
		if len(applied) == 0 {
			return // nothing applied: the chunks were not looked at
		}
		if len(said) != len(got) {
			t.Fatalf("chunks say %d events, a client decodes %d", len(said), len(got))
		}
		for i := range got {
			if said[i].Type != got[i].Type || said[i].Data != got[i].Data || said[i].LastEventID != got[i].LastEventID {
				t.Fatalf("event %d: chunks say %+v, a client decodes %+v", i+1, said[i], got[i])
			}
		}
	})
}
