// Command decoders compares ssetape's SSE decoder with go-sse's Read on the
// same LLM-like input (OpenAI chunks and agent events, 4 KiB reads), LF and
// CRLF, in one run: rounds alternate between the two, and the medians are
// printed with their ratio.
//
//	cd bench && go run ./cmd/decoders
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/ssetape/ssetape/bench"
	"github.com/ssetape/ssetape/internal/streamgen"
)

func ssetape(in []byte) int {
	n, _ := bench.DecodeSSEtape(in)
	return n
}

func goSSE(in []byte) int {
	n, _ := bench.DecodeGoSSE(in)
	return n
}

func mbps(in []byte, fn func([]byte) int) float64 {
	r := testing.Benchmark(func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			fn(in)
		}
	})
	return float64(r.Bytes) * float64(r.N) / r.T.Seconds() / 1e6
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func main() {
	size := flag.Int("size", 4<<20, "input size in bytes")
	rounds := flag.Int("rounds", 5, "alternating rounds per decoder")
	flag.Parse()
	ok := true
	for _, c := range []struct{ name, eol string }{{"lf", "\n"}, {"crlf", "\r\n"}} {
		in := streamgen.LLM(*size, c.eol)
		if a, b := ssetape(in), goSSE(in); a != b {
			fmt.Fprintf(os.Stderr, "%s: ssetape saw %d events, go-sse %d\n", c.name, a, b)
			os.Exit(1)
		}
		var mine, theirs []float64
		for range *rounds {
			mine = append(mine, mbps(in, ssetape))
			theirs = append(theirs, mbps(in, goSSE))
		}
		m, t := median(mine), median(theirs)
		fmt.Printf("%-5s %d bytes, %d events: ssetape %7.1f MB/s  go-sse v0.12.0 %6.1f MB/s  ratio %.2fx\n",
			c.name, len(in), ssetape(in), m, t, m/t)
		ok = ok && m/t >= 3
	}
	if !ok {
		fmt.Println("below the 3x target")
		os.Exit(1)
	}
}
