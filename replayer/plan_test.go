package replayer

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/ssetape/ssetape/cassette"
)

// A prepared stream keeps its events, not the decoder's 32 KiB read buffer
// they were cut from: 10,000 short interactions once held 320 MB of such
// buffers while serving (docs/benchmarks.md, "many" row). The bound is
// loose on purpose (a short stream's own memory is about 1 KiB, race
// detector included): it tells 1 KiB per stream from 32.
func TestPreparedKeepsNoDecoderBuffer(t *testing.T) {
	const n = 2000
	responses := make([]*cassette.Response, n)
	for i := range responses {
		r := &cassette.Response{Status: 200, Headers: cassette.Headers{"Content-Type": {"text/event-stream"}}}
		var chunks []cassette.Chunk
		for j, d := range []string{fmt.Sprintf("answer %d", i), "part two", "[DONE]"} {
			chunks = append(chunks, cassette.Chunk{At: time.Duration(j) * time.Millisecond, Data: []byte("id: " + d + "\ndata: " + d + "\n\n")})
		}
		if err := r.SetChunks(chunks); err != nil {
			t.Fatal(err)
		}
		responses[i] = r
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := make([]*prepared, n)
	for i, r := range responses {
		p, err := prepareStream(r, true)
		if err != nil {
			t.Fatal(err)
		}
		kept[i] = p
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	if per > 8<<10 {
		t.Errorf("a prepared three-event stream holds %d bytes; want under 8 KiB (it keeps a decoder buffer?)", per)
	}
	// The copies are the events' own, byte for byte.
	if e := kept[7].events[0][0]; e.Data != "answer 7" || e.LastEventID != "answer 7" {
		t.Errorf("first event = %+v, want data and id %q", e, "answer 7")
	}
	runtime.KeepAlive(kept)
	runtime.KeepAlive(responses)
}
