package synth

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Pacing says when a synthesized stream's events are due, from the
// response headers: the first output delta of any kind (reasoning, text,
// arguments) at TTFT, then one output token every 1/TPS, each gap moved by
// a uniform amount within ±Jitter (never below 0). Think is the extra time
// before the first text that follows reasoning (a reasoning model's pause
// between thinking and answering).
type Pacing struct {
	TTFT   time.Duration
	TPS    float64
	Jitter time.Duration
	Think  time.Duration
}

// Profiles are the named pacings (docs/synthesis.md says where the numbers
// come from).
var profiles = map[string]Pacing{
	"fast":       {TTFT: 250 * time.Millisecond, TPS: 150, Jitter: 3 * time.Millisecond},
	"standard":   {TTFT: 600 * time.Millisecond, TPS: 60, Jitter: 8 * time.Millisecond},
	"reasoning":  {TTFT: 900 * time.Millisecond, TPS: 90, Jitter: 8 * time.Millisecond, Think: 4 * time.Second},
	"overloaded": {TTFT: 4 * time.Second, TPS: 12, Jitter: 120 * time.Millisecond},
}

// DefaultProfile is the profile of a script that names none.
const DefaultProfile = "standard"

// Profile returns a named pacing.
func Profile(name string) (Pacing, error) {
	p, ok := profiles[name]
	if !ok {
		return Pacing{}, fmt.Errorf("no profile %q: want one of %s", name, strings.Join(ProfileNames(), ", "))
	}
	return p, nil
}

// ProfileNames lists the profiles, sorted.
func ProfileNames() []string {
	out := make([]string, 0, len(profiles))
	for n := range profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// check refuses a pacing that cannot be followed.
func (p Pacing) check() error {
	switch {
	case p.TTFT < 0:
		return fieldErr("ttft", "%v: a time cannot be negative", p.TTFT)
	case !(p.TPS > 0) || p.TPS > 1e6:
		return fieldErr("tps", "%v: want a positive number of tokens per second (at most 1,000,000)", p.TPS)
	case p.Jitter < 0:
		return fieldErr("jitter", "%v: a time cannot be negative", p.Jitter)
	case p.Think < 0:
		return fieldErr("think", "%v: a time cannot be negative", p.Think)
	}
	return nil
}

// clock hands out due times: now is the time of the last thing due.
type clock struct {
	p       Pacing
	rng     *rand.Rand
	now     time.Duration
	started bool // the first output token is due
}

func newClock(p Pacing, rng *rand.Rand) *clock { return &clock{p: p, rng: rng} }

// token is the due time of the next output token.
func (c *clock) token() time.Duration {
	gap := time.Duration(float64(time.Second) / c.p.TPS)
	if !c.started {
		c.started, gap = true, c.p.TTFT
	}
	if c.p.Jitter > 0 {
		gap += time.Duration(c.rng.Int64N(int64(2*c.p.Jitter)+1)) - c.p.Jitter
	}
	c.now += max(gap, 0)
	return c.now
}

// pause moves the clock on by d (Think).
func (c *clock) pause(d time.Duration) { c.now += d }
