package recorder_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssetape/ssetape/recorder"
)

// latencies streams n timestamped chunks, 2 ms apart, from an upstream to a
// client, directly or through the recording proxy, and returns how long each
// took from the upstream's write to the client's read.
func latencies(b *testing.B, n int, viaProxy bool) []time.Duration {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for range n {
			fmt.Fprintf(w, "data: %d\n\n", time.Now().UnixNano())
			_ = rc.Flush()
			time.Sleep(2 * time.Millisecond)
		}
	}))
	defer up.Close()
	target := up.URL
	if viaProxy {
		u, _ := url.Parse(up.URL)
		px := httptest.NewServer(&recorder.Proxy{Upstream: u, Record: true, Redaction: recorder.DefaultRedaction})
		defer px.Close()
		target = px.URL
	}
	resp, err := http.Get(target)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var out []time.Duration
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if ts, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			ns, _ := strconv.ParseInt(ts, 10, 64)
			out = append(out, time.Since(time.Unix(0, ns)))
		}
	}
	return out
}

func p99(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)*99/100]
}

// BenchmarkProxyAddedLatency reports the p99 time a chunk takes from the
// upstream's write to the client, directly and through the proxy, and the
// difference (target: under 1 ms added at the 99th percentile).
func BenchmarkProxyAddedLatency(b *testing.B) {
	var direct, proxied []time.Duration
	for b.Loop() {
		direct = append(direct, latencies(b, 500, false)...)
		proxied = append(proxied, latencies(b, 500, true)...)
	}
	d, p := p99(direct), p99(proxied)
	b.ReportMetric(float64(d.Microseconds()), "direct-p99-µs")
	b.ReportMetric(float64(p.Microseconds()), "proxy-p99-µs")
	b.ReportMetric(float64((p - d).Microseconds()), "added-p99-µs")
}
