package replayer

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/ssetape/ssetape/cassette"
)

// query is a parsed query string: each name with its values in order.
type query map[string][]string

// parseQuery reads a raw query string itself, so that a ';' (which Go's
// url.ParseQuery rejects, silently dropping the parameter) is reported
// instead of lost.
//
// An empty query is nil, which reads as empty: most requests have none,
// and it saves them a map.
func parseQuery(raw string) (query, error) {
	if raw == "" {
		return nil, nil
	}
	q := query{}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		if strings.Contains(part, ";") {
			return nil, fmt.Errorf("the query parameter %q holds a ';': send it as %%3B", part)
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("query parameter %q: %v", part, err)
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("query parameter %q: %v", part, err)
		}
		q[key] = append(q[key], val)
	}
	return q, nil
}

// forMatching drops what is never matched: ssetape's own parameters, and
// parameters the cassette holds redacted (then the request's value is not
// compared either).
func (q query) forMatching(redacted map[string]bool) query {
	out := query{}
	for k, v := range q {
		if cassette.IsOwnParam(k) || redacted[k] {
			continue
		}
		out[k] = v
	}
	return out
}

// matches reports whether q, as forMatching(redacted) would give it,
// equals recorded (which went through forMatching): without building the
// filtered query, since this runs for every candidate of every request.
func (q query) matches(recorded query, redacted map[string]bool) bool {
	n := 0
	for k, v := range q {
		if cassette.IsOwnParam(k) || redacted[k] {
			continue
		}
		n++
		rv, ok := recorded[k]
		if !ok || len(rv) != len(v) {
			return false
		}
		for i := range v {
			if v[i] != rv[i] {
				return false
			}
		}
	}
	return n == len(recorded)
}

func (q query) String() string {
	if len(q) == 0 {
		return "(none)"
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, "&")
}
