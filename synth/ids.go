package synth

import (
	"math/rand/v2"
	"strings"
)

// ids makes the ids and timestamps of a stream, as the providers write
// them, from the stream's seed.
type ids struct{ rng *rand.Rand }

const (
	alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hex   = "0123456789abcdef"
	b64u  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

// of is prefix and n characters of set.
func (g ids) of(prefix, set string, n int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for range n {
		b.WriteByte(set[g.rng.IntN(len(set))])
	}
	return b.String()
}

// unix is a creation time: a second in 2026, the same for a seed.
func (g ids) unix() int64 { return 1767225600 + g.rng.Int64N(180*86400) }
