package cassette

import (
	"fmt"
	"strconv"
	"strings"
)

// Match holds an interaction's matching hints. The zero value is the
// default: method, path, query and body all compared (the body as JSON when
// both sides are JSON).
type Match struct {
	// AnyMethod matches any method (match: {method: any}).
	AnyMethod bool
	Body      BodyMatch
}

// IsZero reports whether m is the default.
func (m Match) IsZero() bool { return !m.AnyMethod && m.Body.Mode == BodyExact }

// BodyMode says how a request body is compared.
type BodyMode uint8

// The ways to compare a body.
const (
	BodyExact  BodyMode = iota // as JSON when both sides are JSON, else as bytes
	BodyAny                    // not compared
	BodyIgnore                 // as JSON, leaving out Paths
	BodyOnly                   // as JSON, comparing only Paths
)

// BodyMatch is how a body is compared: a mode and, for ignore and only, the
// JSON paths.
type BodyMatch struct {
	Mode  BodyMode
	Paths []Path
}

// ParseBodyMode reads "exact" or "any", the values of --match-body.
func ParseBodyMode(s string) (BodyMode, error) {
	switch s {
	case "exact":
		return BodyExact, nil
	case "any":
		return BodyAny, nil
	}
	return 0, fmt.Errorf("body match %q: want exact or any", s)
}

// Path is a JSON path such as $.metadata.request_id or $.messages[0].content.
type Path struct {
	// Text is the path as written.
	Text string
	// Steps are the keys (string) and indexes (int) from the root.
	Steps []any
}

// ParsePath reads a JSON path: $ followed by .key, ["key"] or [index] steps.
func ParsePath(s string) (Path, error) {
	p := Path{Text: s}
	if !strings.HasPrefix(s, "$") {
		return p, fmt.Errorf("JSON path %q must start with $ (like $.metadata.request_id)", s)
	}
	rest := s[1:]
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			n := strings.IndexAny(rest, ".[")
			if n < 0 {
				n = len(rest)
			}
			if n == 0 {
				return p, fmt.Errorf("JSON path %q: empty key after a dot", s)
			}
			p.Steps = append(p.Steps, rest[:n])
			rest = rest[n:]
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return p, fmt.Errorf("JSON path %q: [ without ]", s)
			}
			inner := rest[1:end]
			if strings.HasPrefix(inner, `"`) {
				key, err := strconv.Unquote(inner)
				if err != nil {
					return p, fmt.Errorf("JSON path %q: bad quoted key %s", s, inner)
				}
				p.Steps = append(p.Steps, key)
			} else {
				i, err := strconv.Atoi(inner)
				if err != nil || i < 0 {
					return p, fmt.Errorf(`JSON path %q: [%s] is neither an index nor a quoted key (["key"])`, s, inner)
				}
				p.Steps = append(p.Steps, i)
			}
			rest = rest[end+1:]
		default:
			return p, fmt.Errorf("JSON path %q: expected . or [ at %q", s, rest)
		}
	}
	if len(p.Steps) == 0 {
		return p, fmt.Errorf("JSON path %q names the whole body; use body: any instead", s)
	}
	return p, nil
}
