package replayer

import (
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/ssetape/ssetape/cassette"
)

// Pacing says how recorded offsets become send times. The steps apply in
// this order to each chunk's gap (its offset minus the previous chunk's, or
// minus headers_at for the first): GapFor and Gap replace it, MaxGap caps
// it, Speed divides it, Jitter moves it by a random amount in [-Jitter,
// +Jitter] (never below zero). TTFB replaces headers_at, unscaled.
type Pacing struct {
	// Speed divides every gap: 2 is twice as fast; 0 or 1 as recorded.
	Speed float64
	// Max sends everything at once (--speed max).
	Max bool
	// Gap, when > 0, is the gap before every chunk.
	Gap time.Duration
	// GapFor sets the gap before chunks that complete an event of a type
	// ("message" for events without a type).
	GapFor map[string]time.Duration
	// MaxGap, when > 0, caps every gap.
	MaxGap time.Duration
	// TTFB, when HasTTFB, is when the headers are sent.
	TTFB    time.Duration
	HasTTFB bool
	// Jitter, when > 0, is the most a gap moves either way.
	Jitter time.Duration
}

// factor is the speed as a factor for the transport: 1 as recorded, 0 for
// max.
func (pc *Pacing) factor() float64 {
	switch {
	case pc.Max:
		return 0
	case pc.Speed > 0:
		return pc.Speed
	}
	return 1
}

// pace turns recorded offsets into due times.
func (pc *Pacing) pace(headersAt time.Duration, chunks []cassette.Chunk, types []string, rng *rand.Rand) (time.Duration, []time.Duration) {
	scale := func(d time.Duration) time.Duration {
		switch {
		case pc.Max:
			return 0
		case pc.Speed > 0 && pc.Speed != 1:
			return time.Duration(float64(d) / pc.Speed)
		}
		return d
	}
	headers := scale(headersAt)
	if pc.HasTTFB {
		headers = pc.TTFB
	}
	due := make([]time.Duration, len(chunks))
	prevAt, t := headersAt, headers
	for i, c := range chunks {
		gap := max(0, c.At-prevAt)
		prevAt = c.At
		if pc.Gap > 0 {
			gap = pc.Gap
		}
		if d, ok := pc.GapFor[types[i]]; ok && types[i] != "" {
			gap = d
		}
		if pc.MaxGap > 0 && gap > pc.MaxGap {
			gap = pc.MaxGap
		}
		gap = scale(gap)
		if pc.Jitter > 0 && rng != nil {
			gap = max(0, gap+time.Duration(rng.Int64N(int64(2*pc.Jitter)+1))-pc.Jitter)
		}
		t += gap
		due[i] = t
	}
	return headers, due
}

// endDue paces the end of a stream: its recorded gap after the last chunk,
// capped by MaxGap and divided by Speed (Gap, GapFor and Jitter apply to
// chunks only).
func (pc *Pacing) endDue(lastAt, lastDue, endAt time.Duration) time.Duration {
	gap := max(0, endAt-lastAt)
	if pc.MaxGap > 0 && gap > pc.MaxGap {
		gap = pc.MaxGap
	}
	switch {
	case pc.Max:
		gap = 0
	case pc.Speed > 0 && pc.Speed != 1:
		gap = time.Duration(float64(gap) / pc.Speed)
	}
	return lastDue + gap
}

// splitRand is the random source of one purpose of one request: split from
// the seed by session, interaction and repetition, so that results never
// depend on how requests interleave.
func splitRand(seed uint64, purpose, session string, interaction, repetition int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(session))
	var b [16]byte
	for i := range 8 {
		b[i] = byte(uint64(interaction) >> (8 * i))
		b[8+i] = byte(uint64(repetition) >> (8 * i))
	}
	h.Write(b[:])
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}
