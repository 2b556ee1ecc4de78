package bench

import (
	"io"
	"testing"

	gosse "github.com/tmaxmax/go-sse"

	"github.com/ssetape/ssetape/internal/streamgen"
	"github.com/ssetape/ssetape/sse"
)

// reads4K hands out the input in reads of at most 4 KiB, as a network
// connection would.
type reads4K struct{ data []byte }

func (r *reads4K) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), 4096, len(r.data))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

var inputs = []struct{ name, eol string }{{"lf", "\n"}, {"crlf", "\r\n"}}

func decodeSSEtape(in []byte) (int, error) {
	d := sse.NewDecoder(&reads4K{in})
	n := 0
	for {
		_, err := d.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

func decodeGoSSE(in []byte) (int, error) {
	n := 0
	for _, err := range gosse.Read(&reads4K{in}, &gosse.ReadConfig{MaxEventSize: 1 << 20}) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// TestSameEvents checks that both decoders see the same number of events on
// the benchmark input, so that the comparison is of equal work. (go-sse also
// yields data-less blocks; the input has none.)
func TestSameEvents(t *testing.T) {
	for _, in := range inputs {
		data := streamgen.LLM(4<<20, in.eol)
		a, err := decodeSSEtape(data)
		if err != nil {
			t.Fatal(err)
		}
		b, err := decodeGoSSE(data)
		if err != nil {
			t.Fatal(err)
		}
		if a != b || a == 0 {
			t.Fatalf("%s: ssetape %d events, go-sse %d", in.name, a, b)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, in := range inputs {
		data := streamgen.LLM(4<<20, in.eol)
		for _, impl := range []struct {
			name string
			fn   func([]byte) (int, error)
		}{{"ssetape", decodeSSEtape}, {"go-sse-v0.12.0", decodeGoSSE}} {
			b.Run(in.name+"/"+impl.name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := impl.fn(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
