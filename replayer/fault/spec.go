package fault

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ssetape/ssetape/internal/clip"
)

// A fault spec names a fault and its keys: name[:key=value[,key=value...]];
// several are joined with ';'. A value that holds , ; = or " is written in
// double quotes with \" and \\ escapes; a bare key means =yes. Every fault
// takes p= (the probability it applies, from 0 to 1, default 1) and
// resume=yes (it also applies to a request that resumes with
// Last-Event-ID).

// Spec is one parsed fault spec. It is opaque: make one with Parse.
type Spec struct {
	name   string
	text   string
	p      float64
	resume bool
	f      fault
}

// Name returns the fault's name ("close").
func (s *Spec) Name() string { return s.name }

// String returns the spec as written.
func (s *Spec) String() string { return s.text }

// Resume reports whether the fault also applies to resumed requests.
func (s *Spec) Resume() bool { return s.resume }

// P returns the probability that the fault applies to a request.
func (s *Spec) P() float64 { return s.p }

// fault is what a fault does to a plan; each fault is a named type in a
// file of its own.
type fault interface {
	phase() phase
	apply(p *Plan, x *state) error
}

// phase orders faults: events are edited first (counting events as
// recorded), then the stream is cut or held, then re-framed, then delayed,
// and the response itself replaced last. Within a phase, faults apply in
// the order given.
type phase uint8

const (
	phaseEvents phase = iota
	phaseCut
	phaseFraming
	phaseTiming
	phaseResponse
)

// kind is a registered fault: its keys (besides p and resume) and how to
// build it from them.
type kind struct {
	keys  []string
	build func(params) (fault, error)
}

var kinds = map[string]kind{}

// register adds a fault to the registry; every fault's file calls it from
// init.
func register(name string, keys []string, build func(params) (fault, error)) {
	kinds[name] = kind{keys: keys, build: build}
}

// Names lists the registered faults, sorted.
func Names() []string {
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// MaxSpecText is the longest fault spec list Parse reads, in bytes: a
// request cannot make the server parse or log more.
const MaxSpecText = 8 << 10

// Parse reads a fault spec list ("close:after=3;chunk:size=1"). The word
// none is an empty, non-nil list (a request's way to turn the other sources
// off); "" is nil. Errors name the fault and its valid keys. A list of more
// than DefaultLimits.Faults faults, or longer than MaxSpecText, is refused.
func Parse(s string) ([]*Spec, error) {
	if len(s) > MaxSpecText {
		return nil, fmt.Errorf("the fault spec list is %d bytes, over the limit of %d", len(s), MaxSpecText)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if s == "none" {
		return []*Spec{}, nil
	}
	var out []*Spec
	for _, part := range splitUnquoted(s, ';') {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if len(out) == DefaultLimits.Faults {
			return nil, &LimitError{Cap: "faults per request", Limit: int64(DefaultLimits.Faults),
				Hint: "give at most that many faults in one list"}
		}
		f, err := parseOne(part)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func parseOne(s string) (*Spec, error) {
	name, rest, _ := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	quoted := strconv.Quote(clip.String(s, 200))
	k, ok := kinds[name]
	if !ok {
		return nil, fmt.Errorf("unknown fault %q: the faults are %s", clip.String(name, 40), strings.Join(Names(), ", "))
	}
	f := &Spec{name: name, p: 1, text: s}
	valid := append(slices.Clone(k.keys), "p", "resume")
	keysHelp := fmt.Sprintf("fault %s takes %s", name, strings.Join(valid, ", "))
	ps := params{}
	if strings.TrimSpace(rest) != "" {
		for _, kv := range splitUnquoted(rest, ',') {
			key, v, has := strings.Cut(kv, "=")
			key = strings.TrimSpace(key)
			if key == "" {
				return nil, fmt.Errorf("fault %s: an empty key; %s", quoted, keysHelp)
			}
			val := "yes"
			if has {
				var err error
				if val, err = unquote(strings.TrimSpace(v)); err != nil {
					return nil, fmt.Errorf("fault %s: key %s: %v", quoted, clip.String(key, 40), err)
				}
			}
			if !slices.Contains(valid, key) {
				return nil, fmt.Errorf("fault %s: unknown key %q; %s", quoted, clip.String(key, 40), keysHelp)
			}
			if _, dup := ps[key]; dup {
				return nil, fmt.Errorf("fault %s: key %s given twice", quoted, key)
			}
			ps[key] = val
		}
	}
	if v, ok := ps["p"]; ok {
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || !(p >= 0 && p <= 1) { // NaN fails both comparisons
			return nil, fmt.Errorf("fault %s: p=%s: want a probability from 0 to 1", quoted, clip.String(v, 40))
		}
		f.p = p
		delete(ps, "p")
	}
	if v, ok := ps["resume"]; ok {
		b, err := yesNo(v)
		if err != nil {
			return nil, fmt.Errorf("fault %s: resume=%s: %v", quoted, clip.String(v, 40), err)
		}
		f.resume = b
		delete(ps, "resume")
	}
	built, err := k.build(ps)
	if err != nil {
		return nil, fmt.Errorf("fault %s: %v; %s", quoted, err, keysHelp)
	}
	f.f = built
	return f, nil
}

// splitUnquoted splits s at sep outside double quotes.
func splitUnquoted(s string, sep byte) []string {
	var out []string
	inQuote, esc, start := false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case inQuote && c == '\\':
			esc = true
		case c == '"':
			inQuote = !inQuote
		case c == sep && !inQuote:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// unquote reads a value: as it is, or in double quotes with \" and \\.
func unquote(v string) (string, error) {
	if !strings.HasPrefix(v, `"`) {
		if strings.ContainsAny(v, `"`) {
			return "", fmt.Errorf("a value with \" must be quoted: \"...\" with \\\" inside")
		}
		return v, nil
	}
	if len(v) < 2 || !strings.HasSuffix(v, `"`) {
		return "", fmt.Errorf("a quoted value must end with \"")
	}
	var b strings.Builder
	for i := 1; i < len(v)-1; i++ {
		c := v[i]
		if c == '\\' {
			i++
			if i >= len(v)-1 || (v[i] != '"' && v[i] != '\\') {
				return "", fmt.Errorf(`only \" and \\ are escapes in a quoted value`)
			}
			c = v[i]
		} else if c == '"' {
			return "", fmt.Errorf(`a " inside a quoted value must be written \"`)
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

func yesNo(v string) (bool, error) {
	switch v {
	case "yes", "true", "1":
		return true, nil
	case "no", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("want yes or no")
}
