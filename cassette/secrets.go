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

var secretPatterns = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"Anthropic key", regexp.MustCompile(`sk-ant-[A-Za-z0-9_-]{16,}`)},
	{"OpenAI-style key", regexp.MustCompile(`\bsk-[A-Za-z0-9_-]{16,}`)},
	{"AWS access key", regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{"Google API key", regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`)},
	{"GitHub token", regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{36,}\b`)},
	{"Slack token", regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}`)},
	{"bearer token", regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*`)},
	{"JWT", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`)},
}

var tokenLike = regexp.MustCompile(`[A-Za-z0-9_+/=-]{32,}`)

// FindSecrets lists the values in a cassette that look like credentials:
// known key shapes, bearer tokens, and long high-entropy tokens, in headers,
// paths, bodies, event data and wire chunks. REDACTED values are not secrets.
func FindSecrets(c *Cassette) []Secret {
	var out []Secret
	for i, it := range c.Interactions {
		n := i + 1
		scan := func(where, text string) {
			out = append(out, scanText(n, where, text)...)
		}
		scan("request path", it.Request.Path)
		for _, k := range it.Request.Headers.Keys() {
			for _, v := range it.Request.Headers[k] {
				scan("request header "+k, v)
			}
		}
		scan("request body", string(it.Request.Body))
		for _, k := range it.Response.Headers.Keys() {
			for _, v := range it.Response.Headers[k] {
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
	for _, p := range secretPatterns {
		for _, m := range p.re.FindAllString(text, -1) {
			if !seen[m] && !strings.Contains(m, "REDACTED") {
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
