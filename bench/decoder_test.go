package bench

import (
	"testing"

	"github.com/ssetape/ssetape/internal/streamgen"
)

var inputs = []struct{ name, eol string }{{"lf", "\n"}, {"crlf", "\r\n"}}

// TestSameEvents checks that both decoders see the same number of events on
// the benchmark input, so that the comparison is of equal work. (go-sse also
// yields data-less blocks; the input has none.)
func TestSameEvents(t *testing.T) {
	for _, in := range inputs {
		data := streamgen.LLM(4<<20, in.eol)
		a, err := DecodeSSEtape(data)
		if err != nil {
			t.Fatal(err)
		}
		b, err := DecodeGoSSE(data)
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
		}{{"ssetape", DecodeSSEtape}, {"go-sse-v0.12.0", DecodeGoSSE}} {
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
