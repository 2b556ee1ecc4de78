package replayer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A fault is a deliberate deviation at replay. A fault spec names one and
// its keys: name[:key=value[,key=value...]]; several are joined with ';'. A
// value that holds , ; = or " is written in double quotes with \" and \\
// escapes; a bare key means =yes. Every fault takes p= (the probability it
// applies, from 0 to 1, default 1) and resume=yes (it also applies to a
// request that resumes with Last-Event-ID). docs/faults.md lists them all.

// FaultSpec is one parsed fault spec.
type FaultSpec struct {
	Name   string
	Params map[string]string
	// P is the probability that the fault applies to a request.
	P float64
	// Resume says the fault also applies to resumed requests.
	Resume bool
	// Text is the spec as written, for logs.
	Text  string
	fault fault
}

// fault is what a fault does to a plan. Faults apply in phases (see
// phases), in the order given within a phase.
type fault interface {
	phase() int
	apply(p *Plan, ctx *faultContext) error
}

// The phases faults apply in: events are edited first (counting events as
// recorded), then the stream is cut, then re-framed, then delayed, and the
// response itself replaced last.
const (
	phaseEvents = iota
	phaseCut
	phaseFraming
	phaseTiming
	phaseResponse
)

// faultContext is what a fault may use besides the plan.
type faultContext struct {
	rng *rand.Rand
	// edits collects the event faults of one request; they are applied
	// together, so that event numbers always mean the recorded events.
	edits *eventEdits
}

// faultType is a registered fault: its keys and how to build it.
type faultType struct {
	keys  []string // besides p and resume
	build func(params map[string]string) (fault, error)
}

var faultTypes = map[string]faultType{}

func registerFault(name string, keys []string, build func(map[string]string) (fault, error)) {
	faultTypes[name] = faultType{keys: keys, build: build}
}

// FaultNames lists the registered faults, sorted.
func FaultNames() []string {
	names := make([]string, 0, len(faultTypes))
	for n := range faultTypes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ParseFaults reads a fault spec list ("close:after=3;chunk:size=1"). The
// word none is an empty list (a request's way to turn the other sources
// off). Errors name the fault and its valid keys.
func ParseFaults(s string) ([]*FaultSpec, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return nil, nil
	}
	var out []*FaultSpec
	for _, part := range splitUnquoted(s, ';') {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f, err := parseFault(part)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func parseFault(s string) (*FaultSpec, error) {
	name, rest, _ := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	ft, ok := faultTypes[name]
	if !ok {
		return nil, fmt.Errorf("unknown fault %q: the faults are %s", name, strings.Join(FaultNames(), ", "))
	}
	f := &FaultSpec{Name: name, Params: map[string]string{}, P: 1, Text: s}
	valid := append(slices.Clone(ft.keys), "p", "resume")
	keysHelp := fmt.Sprintf("fault %s takes %s", name, strings.Join(valid, ", "))
	if strings.TrimSpace(rest) != "" {
		for _, kv := range splitUnquoted(rest, ',') {
			k, v, has := strings.Cut(kv, "=")
			k = strings.TrimSpace(k)
			if k == "" {
				return nil, fmt.Errorf("fault %q: an empty key; %s", s, keysHelp)
			}
			val := "yes"
			if has {
				var err error
				if val, err = unquote(strings.TrimSpace(v)); err != nil {
					return nil, fmt.Errorf("fault %q: key %s: %v", s, k, err)
				}
			}
			if !slices.Contains(valid, k) {
				return nil, fmt.Errorf("fault %q: unknown key %q; %s", s, k, keysHelp)
			}
			if _, dup := f.Params[k]; dup {
				return nil, fmt.Errorf("fault %q: key %s given twice", s, k)
			}
			f.Params[k] = val
		}
	}
	if v, ok := f.Params["p"]; ok {
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || p < 0 || p > 1 {
			return nil, fmt.Errorf("fault %q: p=%s: want a probability from 0 to 1", s, v)
		}
		f.P = p
		delete(f.Params, "p")
	}
	if v, ok := f.Params["resume"]; ok {
		b, err := yesNo(v)
		if err != nil {
			return nil, fmt.Errorf("fault %q: resume=%s: %v", s, v, err)
		}
		f.Resume = b
		delete(f.Params, "resume")
	}
	built, err := ft.build(f.Params)
	if err != nil {
		return nil, fmt.Errorf("fault %q: %v; %s", s, err, keysHelp)
	}
	f.fault = built
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

// Parameter readers for the faults' builders.

func intParam(params map[string]string, key string, min int) (int, bool, error) {
	v, ok := params[key]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		return 0, true, fmt.Errorf("%s=%s: want a whole number of at least %d", key, v, min)
	}
	return n, true, nil
}

func durParam(params map[string]string, key string) (time.Duration, bool, error) {
	v, ok := params[key]
	if !ok {
		return 0, false, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, true, fmt.Errorf("%s=%s: want a duration such as 2s or 150ms", key, v)
	}
	return d, true, nil
}

// onlyOne checks that exactly one (or, with optional, at most one) of keys
// is given, and returns it.
func onlyOne(params map[string]string, optional bool, keys ...string) (string, error) {
	var given []string
	for _, k := range keys {
		if _, ok := params[k]; ok {
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
