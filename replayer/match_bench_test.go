package replayer_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/replayer"
)

// BenchmarkMatch matches a request among K interactions on one path, each
// with its own JSON body compared exactly (docs/benchmarks.md, "Scale": the
// cost must not grow with K). The request is the last interaction's.
//
//	go test -run XXX -bench Match ./replayer
func BenchmarkMatch(b *testing.B) {
	for _, k := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("interactions=%d", k), func(b *testing.B) {
			c := &cassette.Cassette{Version: 1}
			for i := range k {
				it := &cassette.Interaction{Request: cassette.Request{Method: "POST", Path: "/v1/chat/completions",
					Body: []byte(fmt.Sprintf(`{"model":"m","messages":[{"role":"user","content":"question %d"}]}`, i))},
					Response: cassette.Response{Status: 200, Body: []byte("{}"), Headers: cassette.Headers{"Content-Type": {"application/json"}}}}
				c.Interactions = append(c.Interactions, it)
			}
			srv, err := replayer.New([]replayer.Source{{Name: "k", Cassette: c}}, replayer.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			body := fmt.Sprintf(`{"messages":[{"content":"question %d","role":"user"}],"model":"m"}`, k-1) // other key order: JSON, not bytes
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				req := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(body))
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
