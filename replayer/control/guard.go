package control

import (
	"crypto/sha256"
	"crypto/subtle"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// guard lets a control request through, or answers 403 or 415 and says
// why. The order: the listener (off on a non-loopback one without a
// token), the token, the Origin (a web page), the Host (DNS rebinding),
// then the body's type.
func (c *Control) guard(w http.ResponseWriter, r *http.Request) bool {
	loopback := localIsLoopback(r)
	switch {
	case c.opts.Token == "" && !loopback:
		writeError(w, http.StatusForbidden, "", "the control API is off on a listener that is not loopback; start the server with --control-token TOKEN (or SSETAPE_CONTROL_TOKEN) and send Authorization: Bearer TOKEN")
		return false
	case c.opts.Token != "" && !tokenMatches(r.Header.Get("Authorization"), c.opts.Token):
		writeError(w, http.StatusForbidden, "", "the control API needs Authorization: Bearer TOKEN, the server's --control-token")
		return false
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !c.originAllowed(origin) {
			writeError(w, http.StatusForbidden, "", "a control request from a web page (Origin "+quote(origin)+") is refused, so that a page cannot read the journal or arm faults; --control-cors ORIGIN allows one origin")
			return false
		}
		w.Header().Set("Access-Control-Allow-Origin", c.opts.CORS)
		w.Header().Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, DELETE")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, Ssetape-Session")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return false
		}
	}
	if loopback && !loopbackHost(r.Host) {
		writeError(w, http.StatusForbidden, "", "the Host "+quote(r.Host)+" is not a loopback name; on a loopback listener the control API answers only localhost, 127.0.0.0/8 and [::1] (a guard against DNS rebinding)")
		return false
	}
	if r.Method == http.MethodPost && !bodyTypeOK(r) {
		writeError(w, http.StatusUnsupportedMediaType, "", "a control request's body must be JSON (Content-Type: application/json; cassettes may also be YAML), not "+quote(r.Header.Get("Content-Type")))
		return false
	}
	return true
}

// originAllowed reports whether --control-cors allows an Origin.
func (c *Control) originAllowed(origin string) bool {
	return c.opts.CORS != "" && (c.opts.CORS == "*" || c.opts.CORS == origin)
}

// tokenMatches compares an Authorization header with the token in constant
// time: both are hashed first, so that neither their contents nor their
// lengths show in the time taken.
func tokenMatches(header, token string) bool {
	got, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		got = ""
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && ok
}

// localIsLoopback reports whether the request came in on a loopback
// listener (its connection's local address). A request with no local
// address (a handler called directly, in a test) counts as loopback.
func localIsLoopback(r *http.Request) bool {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || a == nil {
		return true
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return false
	}
	return ap.Addr().Unmap().IsLoopback()
}

// loopbackHost reports whether a Host header names the loopback: localhost
// (or a name under .localhost, RFC 6761), an address in 127.0.0.0/8, or
// ::1, with or without a port.
func loopbackHost(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if strings.EqualFold(h, "localhost") || strings.HasSuffix(strings.ToLower(h), ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// bodyTypeOK reports whether a POST's body says it is JSON or YAML (YAML
// only for cassettes). An empty body needs no type: it means {}.
func bodyTypeOK(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return r.ContentLength == 0
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return true
	case mt == "application/yaml" || mt == "application/x-yaml" || mt == "text/yaml" || mt == "text/x-yaml":
		return r.URL.Path == Prefix+"cassettes"
	}
	return false
}
