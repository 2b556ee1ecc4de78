package cassette

import (
	"regexp"
	"strings"
	"unsafe"
)

// What a credential looks like: the one place that knows, for the
// recorder's redaction, for inspect --secrets and for the control API's
// journal. Names (of headers, query parameters and JSON fields) are matched
// by pattern, with an allow-list of harmless names; values are matched by
// the shapes of known keys and tokens.

// secretWords are the parts of a name that make it a credential's.
var secretWords = []string{"token", "secret", "key", "password", "passwd", "auth", "credential", "signature", "cookie"}

// secretNames are credential names that hold none of secretWords.
var secretNames = []string{"session_token", "sessionid", "session_key", "x-amz-security-token"}

// harmlessNames are names that hold a secret word but carry no credential:
// counts of tokens, cache keys, keywords, session ids (which replays match
// on), the CORS headers that name credentials without carrying any, and
// authors.
var harmlessNames = []string{"token_count", "prompt_cache_key", "keyword", "keywords", "session_id", "sessionkeyword",
	"access-control-allow-credentials", "access-control-allow-headers", "access-control-expose-headers",
	"author", "authors", "idempotency-key"}

// SecretName reports whether a header, query parameter or JSON field name
// names a credential: it holds token, secret, key, password, passwd, auth,
// credential, signature or cookie (any case), or is session_token,
// sessionid or session_key; but not a name of the allow-list (docs/limits.md):
// a name whose every "token" is "tokens" (max_tokens, max_output_tokens,
// budget_tokens, x-ratelimit-remaining-tokens), token_count,
// prompt_cache_key, keyword, session_id, author, and the CORS headers.
func SecretName(name string) bool {
	n := strings.ToLower(name)
	for _, h := range harmlessNames {
		if n == h {
			return false
		}
	}
	for _, s := range secretNames {
		if n == s {
			return true
		}
	}
	for _, w := range secretWords {
		if !strings.Contains(n, w) {
			continue
		}
		if w == "token" && onlyPluralTokens(n) {
			continue
		}
		return true
	}
	return false
}

// onlyPluralTokens reports whether every "token" in n is part of "tokens".
func onlyPluralTokens(n string) bool {
	for i := strings.Index(n, "token"); i >= 0; {
		if !strings.HasPrefix(n[i:], "tokens") {
			return false
		}
		j := strings.Index(n[i+5:], "token")
		if j < 0 {
			return true
		}
		i += 5 + j
	}
	return true
}

// SecretHeader reports whether a header carries a credential by its name:
// Authorization, Cookie, X-Api-Key and every name SecretName matches.
func SecretHeader(name string) bool { return SecretName(name) }

// shape is a kind of value that is a credential wherever it appears.
type shape struct {
	kind string
	re   *regexp.Regexp
	// redact says the recorder replaces it; the others are only reported
	// by inspect --secrets.
	redact bool
}

var shapes = []shape{
	{"Anthropic key", regexp.MustCompile(`sk-ant-[A-Za-z0-9_-]{16,}`), true},
	{"OpenAI-style key", regexp.MustCompile(`\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}`), true},
	{"AWS access key", regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`), true},
	{"Google API key", regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`), true},
	{"GitHub token", regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b`), true},
	{"Slack token", regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}`), true},
	{"bearer token", regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*`), true},
	{"JWT", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`), true},
	// Bare hex of a hash's length is usually a hash or a trace id: reported,
	// left in place.
	{"hex token (a hash or trace id?)", regexp.MustCompile(`\b(?:[0-9a-f]{40}|[0-9a-f]{32})\b`), false},
}

// shapeMarks are the literal starts of the redacted shapes: a value that
// holds none of them (or is shorter than the shortest shape) holds no
// credential, and the regular expressions need not run. This is on the
// path of every journaled and recorded request. TestShapeMarks checks
// that each redacted shape starts with one.
var shapeMarks = []string{"sk-", "AKIA", "ASIA", "AIza", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-", "eyJ"}

// minShape is the length of the shortest redacted shape (a Slack token:
// xoxb- and 10 more).
const minShape = 15

// mayHoldShape reports whether s may hold a redacted shape.
func mayHoldShape(s string) bool {
	if len(s) < minShape {
		return false
	}
	for _, m := range shapeMarks {
		if strings.Contains(s, m) {
			return true
		}
	}
	return containsFold(s, "bearer")
}

// containsFold reports whether s holds word in any case (word is lower
// case ASCII).
func containsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if s[i]|0x20 != word[0] {
			continue
		}
		if strings.EqualFold(s[i:i+len(word)], word) {
			return true
		}
	}
	return false
}

// RedactValues replaces every credential-shaped value in s with REDACTED (a
// bearer token keeps its "Bearer " word), and reports whether it changed
// anything.
func RedactValues(s string) (string, bool) {
	if !mayHoldShape(s) {
		return s, false
	}
	changed := false
	for _, sh := range shapes {
		if !sh.redact || !sh.re.MatchString(s) {
			continue
		}
		s = sh.re.ReplaceAllStringFunc(s, func(m string) string {
			if m == Redacted {
				return m
			}
			changed = true
			if sh.kind == "bearer token" {
				return m[:len("bearer")] + " " + Redacted
			}
			return Redacted
		})
	}
	return s, changed
}

// redactRanges returns the byte ranges of credential-shaped values in b.
func redactRanges(b []byte) [][2]int {
	// A view of b as a string, not a copy: mayHoldShape only reads it,
	// and b does not change during the call.
	if !mayHoldShape(unsafe.String(unsafe.SliceData(b), len(b))) {
		return nil
	}
	var out [][2]int
	for _, sh := range shapes {
		if !sh.redact {
			continue
		}
		for _, m := range sh.re.FindAllIndex(b, -1) {
			s, e := m[0], m[1]
			if sh.kind == "bearer token" {
				s += len("bearer ")
				for s < e && (b[s] == ' ' || b[s] == '\t') {
					s++
				}
			}
			if string(b[s:e]) != Redacted {
				out = append(out, [2]int{s, e})
			}
		}
	}
	return out
}
