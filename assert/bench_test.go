package assert_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/fixtures"
	"github.com/ssetape/ssetape/sse"
)

// BenchmarkAgent reports events per second for the agent preset, from
// decoded events, data JSON parsing included (target: at least 1,000,000).
func BenchmarkAgent(b *testing.B) {
	one, _ := fixtures.FS.ReadFile("raw/agent.sse")
	d := sse.NewDecoder(bytes.NewReader(one))
	var session []assert.Event
	for {
		e, err := d.Next()
		if err == io.EOF {
			break
		}
		session = append(session, assert.Event{N: len(session) + 1, Event: e})
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		c := assert.Agent().New()
		for _, e := range session {
			c.Event(e)
		}
		if v := c.End(); len(v) != 0 {
			b.Fatal(v)
		}
		n += len(session)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

func FuzzAgent(f *testing.F) {
	for _, name := range []string{"raw/agent.sse", "raw/agent-article.sse", "broken/two-errors.sse", "broken/orphan-tool-result.sse"} {
		data, _ := fixtures.FS.ReadFile(name)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		evs := decode(t, body)
		r := assert.Check(assert.Agent(), "fuzz", evs)
		for _, v := range r.Violations {
			if v.Rule == "" || v.Message == "" || v.Event < 0 || v.Event > len(evs) {
				t.Fatalf("bad violation %+v", v)
			}
		}
	})
}
