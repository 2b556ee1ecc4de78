// Command workload writes the load workload of ../shared/load (20 agent
// events, one every 50 ms) as a recorded cassette, so that ssetape replay
// serves it byte for byte with the same pacing as the plain Go baseline.
//
//	go run ./cmd/workload -sse ../../shared/load/workload/workload.sse -o workload.yaml
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ssetape/ssetape/cassette"
)

func main() {
	in := flag.String("sse", "../../shared/load/workload/workload.sse", "the workload stream")
	out := flag.String("o", "workload.yaml", "the cassette to write")
	interval := flag.Duration("interval", 50*time.Millisecond, "pause between events")
	flag.Parse()
	body, err := os.ReadFile(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "workload:", err)
		os.Exit(1)
	}
	var chunks []cassette.Chunk
	for i := 0; len(body) > 0; i++ {
		n := bytes.Index(body, []byte("\n\n"))
		if n < 0 {
			n = len(body) - 2
		}
		chunks = append(chunks, cassette.Chunk{At: time.Duration(i) * *interval, Data: body[:n+2]})
		body = body[n+2:]
	}
	it := &cassette.Interaction{
		Request:  cassette.Request{Method: "GET", Path: "/"},
		Match:    cassette.Match{AnyMethod: true, Body: cassette.BodyMatch{Mode: cassette.BodyAny}},
		Response: cassette.Response{Status: 200, Headers: cassette.Headers{"Content-Type": {"text/event-stream"}, "Cache-Control": {"no-cache"}}},
	}
	if err := it.Response.SetChunks(chunks); err != nil {
		fmt.Fprintln(os.Stderr, "workload:", err)
		os.Exit(1)
	}
	c := &cassette.Cassette{Version: 1, Name: "load-workload", Interactions: []*cassette.Interaction{it}}
	if err := cassette.WriteFile(*out, c); err != nil {
		fmt.Fprintln(os.Stderr, "workload:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %d chunks\n", *out, len(chunks))
}
