package sse

import (
	"bytes"
	"io"
	"testing"

	"github.com/ssetape/ssetape/internal/streamgen"
)

// BenchmarkDecoder reports decoding throughput on 4 MB of LLM-like input
// (OpenAI chunks and agent events), read in 4 KiB reads.
func BenchmarkDecoder(b *testing.B) {
	for _, c := range []struct{ name, eol string }{{"lf", "\n"}, {"crlf", "\r\n"}, {"cr", "\r"}} {
		in := streamgen.LLM(4<<20, c.eol)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				d := NewDecoder(&chunkReader{data: in, sizes: []int{4096}})
				n := 0
				for {
					_, err := d.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n == 0 {
					b.Fatal("no events")
				}
			}
		})
	}
}

func BenchmarkNextBlock(b *testing.B) {
	in := streamgen.LLM(4<<20, "\r\n")
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		d := NewDecoder(bytes.NewReader(in))
		for {
			if _, err := d.NextBlock(); err != nil {
				break
			}
		}
	}
}

func BenchmarkEncoder(b *testing.B) {
	m := NewEvent("text_delta", `{"type":"text_delta","content":"結果 "}`)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendMessage(buf[:0], m, CRLF)
	}
	b.SetBytes(int64(len(buf)))
}
