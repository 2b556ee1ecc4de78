package replayer

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ssetape/ssetape/cassette"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPace(t *testing.T) {
	chunks := []cassette.Chunk{{At: ms(100)}, {At: ms(300)}, {At: ms(5300)}, {At: ms(5400)}}
	types := []string{"thinking", "text_delta", "text_delta", "done"}
	cases := []struct {
		name    string
		p       Pacing
		headers time.Duration
		due     []time.Duration
	}{
		{"as recorded", Pacing{}, ms(50), []time.Duration{ms(100), ms(300), ms(5300), ms(5400)}},
		{"speed 2", Pacing{Speed: 2}, ms(25), []time.Duration{ms(50), ms(150), ms(2650), ms(2700)}},
		{"max", Pacing{Max: true}, 0, []time.Duration{0, 0, 0, 0}},
		{"gap", Pacing{Gap: ms(10)}, ms(50), []time.Duration{ms(60), ms(70), ms(80), ms(90)}},
		{"max gap", Pacing{MaxGap: ms(1000)}, ms(50), []time.Duration{ms(100), ms(300), ms(1300), ms(1400)}},
		{"gap for", Pacing{GapFor: map[string]time.Duration{"text_delta": ms(20)}}, ms(50), []time.Duration{ms(100), ms(120), ms(140), ms(240)}},
		{"ttfb", Pacing{TTFB: ms(500), HasTTFB: true}, ms(500), []time.Duration{ms(550), ms(750), ms(5750), ms(5850)}},
		{"ttfb and speed", Pacing{TTFB: ms(0), HasTTFB: true, Speed: 10}, 0, []time.Duration{ms(5), ms(25), ms(525), ms(535)}},
	}
	for _, c := range cases {
		h, due := c.p.pace(ms(50), chunks, types, nil)
		if h != c.headers {
			t.Errorf("%s: headers %v, want %v", c.name, h, c.headers)
		}
		if diff := cmp.Diff(c.due, due); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestJitterIsSeeded(t *testing.T) {
	chunks := []cassette.Chunk{{At: ms(100)}, {At: ms(200)}, {At: ms(300)}}
	types := []string{"", "", ""}
	p := Pacing{Jitter: ms(30)}
	_, a := p.pace(0, chunks, types, splitRand(1, "pacing", "s", 0, 1))
	_, b := p.pace(0, chunks, types, splitRand(1, "pacing", "s", 0, 1))
	_, c := p.pace(0, chunks, types, splitRand(1, "pacing", "s", 0, 2))
	_, d := p.pace(0, chunks, types, splitRand(2, "pacing", "s", 0, 1))
	if !cmp.Equal(a, b) {
		t.Errorf("same seed, session, interaction and repetition differ: %v %v", a, b)
	}
	if cmp.Equal(a, c) || cmp.Equal(a, d) {
		t.Errorf("jitter does not depend on repetition or seed: %v %v %v", a, c, d)
	}
	prev := time.Duration(0)
	for i, x := range a {
		gap := x - prev
		if gap < ms(70) || gap > ms(130) {
			t.Errorf("gap %d = %v, outside 100ms ± 30ms", i, gap)
		}
		prev = x
	}
}
