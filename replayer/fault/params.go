package fault

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ssetape/ssetape/internal/clip"
)

// params are a spec's keys and values, for the faults' constructors.
type params map[string]string

// maxCount is the largest number a count-like key takes: far beyond any
// stream, and small enough that no sum of them overflows.
const maxCount = 1 << 30

// int reads a whole number of at least min.
func (ps params) int(key string, min int) (int, bool, error) {
	v, ok := ps[key]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > maxCount {
		return 0, true, fmt.Errorf("%s=%s: want a whole number from %d to %d", key, clip.String(v, 40), min, maxCount)
	}
	return n, true, nil
}

// maxDuration is the longest duration a key takes: a day, so that sums of
// due times never overflow.
const maxDuration = 24 * time.Hour

// dur reads a duration in Go syntax (2s, 150ms).
func (ps params) dur(key string) (time.Duration, bool, error) {
	v, ok := ps[key]
	if !ok {
		return 0, false, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > maxDuration {
		return 0, true, fmt.Errorf("%s=%s: want a duration such as 2s or 150ms, at most 24h", key, clip.String(v, 40))
	}
	return d, true, nil
}

// onlyOne checks that exactly one (or, with optional, at most one) of keys
// is given, and returns it.
func (ps params) onlyOne(optional bool, keys ...string) (string, error) {
	var given []string
	for _, k := range keys {
		if _, ok := ps[k]; ok {
			given = append(given, k)
		}
	}
	switch {
	case len(given) == 1:
		return given[0], nil
	case len(given) == 0 && optional:
		return "", nil
	case len(given) == 0:
		return "", fmt.Errorf("give one of %s", strings.Join(keys, ", "))
	}
	return "", fmt.Errorf("give only one of %s", strings.Join(keys, ", "))
}

// eventNumber reads the event=N key most single-event faults take.
func (ps params) eventNumber() (int, error) {
	n, ok, err := ps.int("event", 1)
	if err == nil && !ok {
		err = fmt.Errorf("give event=N")
	}
	return n, err
}
