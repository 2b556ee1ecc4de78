package cassette

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// Secret is a value in a cassette that looks like a credential.
type Secret struct {
	Interaction int    // from 1
	Where       string // "request header Authorization", "event data (entry 3)", ...
	Kind        string // "OpenAI key", "bearer token", "high-entropy token", ...
	Masked      string // the value's first characters, then …
}

var tokenLike = regexp.MustCompile(`[A-Za-z0-9_+/=-]{32,}`)

// FindSecrets lists the values in a cassette that look like credentials:
// values of credential-named headers, query parameters and JSON fields that
// are not REDACTED, known key shapes, bearer tokens, long high-entropy
// tokens, and bare hex of a hash's length (which redaction leaves: usually
// a hash or a trace id), in headers, paths, bodies, event data and wire
// chunks.
func FindSecrets(c *Cassette) []Secret {
	var out []Secret
	for i, it := range c.Interactions {
		n := i + 1
		scan := func(where, text string) {
			out = append(out, scanText(n, where, text)...)
			if t := strings.TrimSpace(text); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
				for _, rg := range namedRanges([]byte(text)) {
					out = append(out, Secret{Interaction: n, Where: where, Kind: "credential-named JSON field", Masked: mask(text[rg[0]:rg[1]])})
				}
			}
		}
		named := func(where, name, value string) {
			if SecretName(name) && value != Redacted && value != "" {
				out = append(out, Secret{Interaction: n, Where: where, Kind: "credential-named " + strings.Fields(where)[1], Masked: mask(value)})
			}
		}
		scan("request path", it.Request.Path)
		if _, q, ok := strings.Cut(it.Request.Path, "?"); ok {
			for _, kv := range strings.Split(q, "&") {
				k, v, _ := strings.Cut(kv, "=")
				named("request query "+k, k, v)
			}
		}
		for _, k := range it.Request.Headers.Keys() {
			for _, v := range it.Request.Headers[k] {
				named("request header "+k, k, v)
				scan("request header "+k, v)
			}
		}
		scan("request body", string(it.Request.Body))
		for _, k := range it.Response.Headers.Keys() {
			for _, v := range it.Response.Headers[k] {
				named("response header "+k, k, v)
				scan("response header "+k, v)
			}
		}
		scan("response body", string(it.Response.Body))
		for j, e := range it.Response.Entries {
			scan(fmt.Sprintf("entry %d", j+1), e.Data+"\n"+e.Comment+"\n"+e.ID+"\n"+e.Raw)
		}
		if it.Response.Wire != nil {
			for j, ch := range it.Response.Wire.Chunks {
				scan(fmt.Sprintf("wire chunk %d", j+1), string(ch.Data))
			}
		}
	}
	return out
}

func scanText(interaction int, where, text string) []Secret {
	var out []Secret
	seen := map[string]bool{}
	for _, p := range shapes {
		for _, m := range p.re.FindAllString(text, -1) {
			if !seen[m] && !strings.Contains(m, Redacted) {
				seen[m] = true
				out = append(out, Secret{Interaction: interaction, Where: where, Kind: p.kind, Masked: mask(m)})
			}
		}
	}
	for _, m := range tokenLike.FindAllString(text, -1) {
		if seen[m] || alreadyFound(seen, m) || !highEntropy(m) {
			continue
		}
		seen[m] = true
		out = append(out, Secret{Interaction: interaction, Where: where, Kind: "high-entropy token", Masked: mask(m)})
	}
	return out
}

func alreadyFound(seen map[string]bool, m string) bool {
	for s := range seen {
		if strings.Contains(s, m) || strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// highEntropy: upper, lower and digits mixed, and over 4.2 bits a character.
func highEntropy(s string) bool {
	var up, low, dig bool
	counts := map[rune]int{}
	for _, r := range s {
		counts[r]++
		switch {
		case r >= 'A' && r <= 'Z':
			up = true
		case r >= 'a' && r <= 'z':
			low = true
		case r >= '0' && r <= '9':
			dig = true
		}
	}
	if !(up && low && dig) {
		return false
	}
	h := 0.0
	for _, c := range counts {
		p := float64(c) / float64(len(s))
		h -= p * math.Log2(p)
	}
	return h > 4.2
}

func mask(s string) string {
	if len(s) <= 8 {
		return "…"
	}
	return s[:6] + "…"
}
