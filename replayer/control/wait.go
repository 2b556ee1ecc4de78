package control

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ssetape/ssetape/internal/clip"
)

// waitOf reads ?wait=D: a Go duration ("5s", "250ms") or a number of
// seconds, at most MaxWait. Absent: 0, answer at once.
func waitOf(q url.Values) (time.Duration, error) {
	s := q.Get("wait")
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != f {
			return 0, fieldErr("wait", "wait %q: want a duration such as 5s or 250ms", clip.String(s, 40))
		}
		d = time.Duration(f * float64(time.Second))
	}
	if d < 0 || d > MaxWait {
		return 0, fieldErr("wait", "wait %s: want at most %s", clip.String(s, 40), MaxWait)
	}
	return d, nil
}

// pollFor answers a long poll: look() now, and while it finds nothing,
// again each time changed() fires, until wait has passed, the client leaves
// or the control API closes. It reports false when MaxLongPolls are already
// waiting (the caller answers 429).
func pollFor[T any](c *Control, r *http.Request, wait time.Duration, changed func() <-chan struct{}, look func() (T, bool)) (T, bool) {
	// Take the channel before looking, so that a change between the look
	// and the wait is not missed.
	ch := changed()
	out, found := look()
	if found || wait <= 0 {
		return out, true
	}
	if c.polls.Add(1) > int64(c.caps.polls) {
		c.polls.Add(-1)
		var zero T
		return zero, false
	}
	defer c.polls.Add(-1)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-ch:
			ch = changed()
			if out, found = look(); found {
				return out, true
			}
		case <-timer.C:
			out, _ = look()
			return out, true
		case <-r.Context().Done():
			return out, true
		case <-c.done:
			out, _ = look()
			return out, true
		}
	}
}

func writeTooManyPolls(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusTooManyRequests, "wait", "there are "+strconv.Itoa(MaxLongPolls)+" long polls waiting already, the most the server keeps; retry, or poll without wait")
}
