package sse

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type decoded struct {
	Events    []Event
	Err       string
	LastID    string
	Retry     int64
	HasRetry  bool
	Discarded bool
}

func decodeAll(r io.Reader, opts ...Option) decoded {
	d := NewDecoder(r, opts...)
	var out decoded
	for {
		e, err := d.Next()
		if err != nil {
			if err != io.EOF {
				out.Err = err.Error()
			}
			break
		}
		out.Events = append(out.Events, e)
	}
	out.LastID = d.LastEventID()
	r2, ok := d.Retry()
	out.Retry, out.HasRetry = int64(r2), ok
	out.Discarded = d.Discarded()
	return out
}

// randomReader returns the input in reads of random sizes, with empty reads.
type randomReader struct {
	data []byte
	rng  *rand.Rand
}

func (r *randomReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := r.rng.IntN(8)
	if r.rng.IntN(4) == 0 {
		n = r.rng.IntN(len(r.data) + 1)
	}
	n = min(n, len(r.data), len(p))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// FuzzDecoderChunking checks that how the input is split into reads never
// changes the events, the last event ID, the retry or the discard flag, and
// that nothing panics. The one allowed difference: an event whose blank line
// is a CRLF split between two reads is dispatched at the CR (prompt dispatch),
// so its End stops before the LF.
func FuzzDecoderChunking(f *testing.F) {
	for _, c := range specCases {
		f.Add([]byte(c.in), uint64(1), uint16(0))
	}
	f.Add([]byte("data: a\r\n\r\ndata: b\r\n\r\n"), uint64(7), uint16(8))
	f.Add([]byte("\xEF\xBB\xBFdata: x\n\n"), uint64(3), uint16(5))
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, limit uint16) {
		// Inputs are cut to 4 KiB: a split read shows what it does wrong
		// in a short input, and one-byte reads of long ones cost tens of
		// milliseconds a run, which stalled the minimizer at 0 execs/s for
		// 75 s (bench/fuzz/run.sh).
		if len(in) > 4<<10 {
			in = in[:4<<10]
		}
		var opts []Option
		if limit > 0 {
			opts = append(opts, WithMaxLineSize(int(limit)), WithMaxEventSize(int(limit)))
		}
		whole := decodeAll(bytes.NewReader(in), opts...)
		for _, e := range whole.Events {
			if e.Start < 0 || e.End > int64(len(in)) || e.Start >= e.End {
				t.Fatalf("bad offsets %d..%d for input of %d bytes", e.Start, e.End, len(in))
			}
		}
		for _, r := range []io.Reader{
			&randomReader{data: in, rng: rand.New(rand.NewPCG(seed, 1))},
			&chunkReader{data: in, sizes: []int{1}},
		} {
			got := decodeAll(r, opts...)
			if diff := cmp.Diff(crlfEnds(in, whole), crlfEnds(in, got)); diff != "" {
				t.Fatalf("input %q: split reads differ (-whole +split):\n%s", in, diff)
			}
		}
	})
}

// crlfEnds moves the End of an event dispatched at the CR of a CRLF past the
// LF, as if the LF had arrived in the same read.
func crlfEnds(in []byte, d decoded) decoded {
	evs := append([]Event(nil), d.Events...)
	for i, e := range evs {
		if e.End < int64(len(in)) && in[e.End-1] == '\r' && in[e.End] == '\n' {
			evs[i].End++
		}
	}
	d.Events = evs
	return d
}

// FuzzNextBlock checks the raw view against the browser view: the blocks
// that dispatch are exactly the events of Next, and the blocks tile the input.
func FuzzNextBlock(f *testing.F) {
	for _, c := range specCases {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want := decodeAll(bytes.NewReader(in))
		d := NewDecoder(bytes.NewReader(in))
		var events []Event
		prevEnd := int64(-1)
		for {
			b, err := d.NextBlock()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return
			}
			if prevEnd >= 0 && b.Start < prevEnd {
				t.Fatalf("block %d..%d overlaps the previous one ending at %d", b.Start, b.End, prevEnd)
			}
			prevEnd = b.End
			for _, l := range b.Lines {
				if l.Start < b.Start || l.End > b.End || l.Start > l.End {
					t.Fatalf("line %+v outside block %d..%d", l, b.Start, b.End)
				}
			}
			if b.Dispatched {
				events = append(events, b.Event)
			}
		}
		if diff := cmp.Diff(want.Events, events); diff != "" && want.Err == "" {
			t.Fatalf("raw view events differ (-Next +NextBlock):\n%s", diff)
		}
	})
}
