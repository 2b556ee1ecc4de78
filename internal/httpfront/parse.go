package httpfront

import (
	"bytes"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// maxHeaders is the most header lines the front reads itself; a request
// with more goes to net/http.
const maxHeaders = 64

// head is a request head the front takes: its method and target as sent,
// its headers canonicalised as net/http would.
type head struct {
	method        string
	target        string
	url           *url.URL
	plainURL      url.URL // url, for a target parsePlainTarget takes
	header        http.Header
	host          string
	contentLength int64
	close         bool // Connection: close
}

// parse reads a request head (through its blank line) into h when it is
// one the front takes, and says false for anything else, which then goes to
// net/http whole. What it takes is the plain case, strictly: "GET" or
// "POST", an origin-form target outside /__ssetape/, "HTTP/1.1", CRLF line
// ends, header names of token characters followed at once by a colon,
// values of visible characters, spaces and tabs (and bytes of 0x80 and
// up, as net/http allows), one Host, at most one Content-Length of digits
// (none, or 0, on a GET), and none of Transfer-Encoding, Expect, Upgrade,
// TE, Trailer or HTTP2-Settings; Connection only "keep-alive" or "close".
func (h *head) parse(b []byte) bool {
	// One copy of the head: the target, the names and the values the
	// request keeps are parts of it (str), and their []string values share
	// one array, rather than three allocations a header.
	whole := string(b)
	str := func(part []byte) string {
		// part is b[i:j] (every slice below is cut from b without a
		// capacity), so its capacity says where it starts.
		i := cap(b) - cap(part)
		return whole[i : i+len(part)]
	}
	values := make([]string, 0, bytes.Count(b, []byte("\n")))
	*h = head{}
	line, rest, ok := cutLine(b)
	if !ok {
		return false
	}
	switch {
	case bytes.HasPrefix(line, []byte("GET ")):
		h.method, line = http.MethodGet, line[4:]
	case bytes.HasPrefix(line, []byte("POST ")):
		h.method, line = http.MethodPost, line[5:]
	default:
		return false
	}
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || string(line[sp+1:]) != "HTTP/1.1" {
		return false
	}
	target := line[:sp]
	if target[0] != '/' || bytes.HasPrefix(target, []byte("/__ssetape")) || bytes.HasPrefix(target, []byte("//")) {
		return false
	}
	for _, c := range target {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	h.target = str(target)
	if parsePlainTarget(&h.plainURL, h.target) {
		h.url = &h.plainURL
	} else {
		u, err := url.ParseRequestURI(h.target)
		if err != nil {
			return false // net/http's 400
		}
		h.url = u
	}
	lines := 0
	clSeen, hostSeen := false, false
	for {
		line, rest, ok = cutLine(rest)
		if !ok {
			return false
		}
		if len(line) == 0 {
			break
		}
		if lines++; lines > maxHeaders {
			return false
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return false
		}
		name := line[:colon]
		for _, c := range name {
			if !isTokenChar(c) {
				return false
			}
		}
		value := trimOWS(line[colon+1:])
		for _, c := range value {
			if c < ' ' && c != '\t' || c == 0x7f {
				return false
			}
		}
		key := textproto.CanonicalMIMEHeaderKey(str(name))
		v := str(value)
		switch key {
		case "Host":
			if hostSeen || !validHost(value) {
				return false
			}
			hostSeen, h.host = true, v
		case "Content-Length":
			if clSeen || len(value) == 0 || len(value) > 15 {
				return false
			}
			clSeen = true
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || value[0] == '+' {
				return false
			}
			h.contentLength = n
		case "Transfer-Encoding", "Expect", "Upgrade", "Te", "Trailer", "Http2-Settings":
			return false
		case "Connection":
			switch {
			case asciiEqualFold(value, "close"):
				h.close = true
			case asciiEqualFold(value, "keep-alive"):
			default:
				return false
			}
		}
		if key == "Host" {
			continue // net/http keeps it in Request.Host only
		}
		if h.header == nil {
			h.header = make(http.Header, 8)
		}
		if vs, ok := h.header[key]; ok {
			h.header[key] = append(vs, v)
			continue
		}
		values = append(values, v)
		h.header[key] = values[len(values)-1 : len(values) : len(values)]
	}
	if len(rest) != 0 || !hostSeen || h.method == http.MethodGet && h.contentLength != 0 {
		return false
	}
	// As net/http does (fixPragmaCacheControl): HTTP/1.0's no-cache.
	if p := h.header["Pragma"]; len(p) > 0 && p[0] == "no-cache" {
		if _, ok := h.header["Cache-Control"]; !ok {
			h.header["Cache-Control"] = []string{"no-cache"}
		}
	}
	return true
}

// parsePlainTarget parses an origin-form target whose path has no escapes
// and nothing url.ParseRequestURI would escape again, into the URL that
// function returns, without its allocation (the target's parts are
// substrings); false for any other target, which it then parses. The fuzz
// target and TestPlainTargetsParseAsNetURL hold the two to the same result.
func parsePlainTarget(u *url.URL, target string) bool {
	path, query, hasQuery := strings.Cut(target, "?")
	for i := 0; i < len(path); i++ {
		if !plainPathByte[path[i]] {
			return false
		}
	}
	*u = url.URL{Path: path, RawQuery: query, ForceQuery: hasQuery && query == ""}
	return true
}

// plainPathByte is the bytes a plain path may have: the unreserved ones
// and the sub-delimiters net/url leaves as they are in a path.
var plainPathByte = func() (t [256]bool) {
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/$&+,;=:@") {
		t[c] = true
	}
	return t
}()

// cutLine cuts a CRLF-ended line off b; false when b has none, or a bare CR
// or LF comes first.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	line = b[:i-1]
	if bytes.IndexByte(line, '\r') >= 0 {
		return nil, nil, false
	}
	return line, b[i+1:], true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// isTokenChar reports whether c may be in a header name (RFC 9110 tchar).
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}

// validHost accepts a plain host[:port]: letters, digits, '.', '-', '_',
// ':' and an IPv6 literal's brackets. Anything else (net/http's own check
// allows more) goes to net/http.
func validHost(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '-', c == '_', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
