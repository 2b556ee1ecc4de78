package recorder

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ssetape/ssetape/cassette"
)

// MaxRequestBody is the largest request body the proxy forwards.
const MaxRequestBody = 10 << 20

// Proxy is a tee reverse proxy: it forwards each request to Upstream, hands
// every chunk of the response to the client the moment it arrives, and
// records the interaction beside it. It is an http.Handler.
type Proxy struct {
	Upstream  *url.URL
	Transport http.RoundTripper // nil: a transport that does not follow proxies from the environment
	Redaction Redaction
	// Record, when false, forwards without recording (passthrough).
	Record bool
	// OnInteraction receives each recorded interaction when its response
	// has ended (called from the request's goroutine).
	OnInteraction func(*cassette.Interaction)
	// Observer, when set, sees every event of every event stream as the
	// client receives it (proxy --contract).
	Observer Observer
	// Log, when set, is told one line per request.
	Log func(method, path string, status int, outcome string)
}

func (p *Proxy) transport() http.RoundTripper {
	if p.Transport != nil {
		return p.Transport
	}
	return &http.Transport{Proxy: nil, ResponseHeaderTimeout: 5 * time.Minute}
}

// ServeHTTP implements http.Handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		http.Error(w, fmt.Sprintf("ssetape proxy: the request body is over %d MiB", MaxRequestBody>>20), http.StatusRequestEntityTooLarge)
		return
	}
	out := p.Upstream.JoinPath(r.URL.EscapedPath())
	out.RawQuery = withoutOwnParams(r.URL.RawQuery)
	req, err := http.NewRequestWithContext(r.Context(), r.Method, out.String(), strings.NewReader(string(body)))
	if err != nil {
		http.Error(w, "ssetape proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	for k, vs := range r.Header {
		if isHop(k) || strings.HasPrefix(k, "Ssetape-") {
			continue
		}
		req.Header[k] = append([]string(nil), vs...)
	}
	req.ContentLength = int64(len(body))
	start := time.Now()
	resp, err := p.transport().RoundTrip(req)
	if err != nil {
		msg := fmt.Sprintf("ssetape proxy: the upstream %s did not answer %s %s: %v\n", p.Upstream, r.Method, r.URL.Path, err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, msg)
		p.log(r, http.StatusBadGateway, "upstream failed: "+err.Error())
		return
	}
	defer resp.Body.Close()
	headersAt := time.Since(start)
	for k, vs := range resp.Header {
		if !isHop(k) {
			w.Header()[k] = append([]string(nil), vs...)
		}
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	var onChunk func(Chunk)
	var wt *watch
	st := &Stream{ID: nextStreamID(), Method: r.Method, Path: r.URL.Path}
	if p.Observer != nil && isEventStream(resp.Header.Get("Content-Type")) {
		wt = newWatch(p.Observer, st)
		onChunk = wt.chunk
	}
	c := Tee(r.Context(), resp.Body, start, w, rc.Flush, onChunk)
	if wt != nil {
		wt.close()
		var err error
		if c.end.Reason != cassette.EOF {
			err = fmt.Errorf("the stream ended: %s", c.end.Reason)
		}
		p.Observer.End(st, err)
	}
	if !p.Record {
		p.log(r, resp.StatusCode, "passed through, "+string(c.end.Reason))
		return
	}
	// The original URL (the client's), not the upstream's, goes in the
	// cassette, so that replay matches what clients send.
	recReq := r.Clone(context.Background())
	it, err := Interaction(recReq, body, resp, headersAt, c, p.Redaction)
	if err != nil {
		p.log(r, resp.StatusCode, "not recorded: "+err.Error())
		return
	}
	if p.OnInteraction != nil {
		p.OnInteraction(it)
	}
	p.log(r, resp.StatusCode, fmt.Sprintf("recorded %d chunks, %s", len(c.chunks), c.end.Reason))
}

func (p *Proxy) log(r *http.Request, status int, outcome string) {
	if p.Log != nil {
		p.Log(r.Method, r.URL.Path, status, outcome)
	}
}

// withoutOwnParams drops ssetape_* parameters from a raw query.
func withoutOwnParams(raw string) string {
	if raw == "" {
		return ""
	}
	var keep []string
	for _, part := range strings.Split(raw, "&") {
		k, _, _ := strings.Cut(part, "=")
		if name, _ := url.QueryUnescape(k); strings.HasPrefix(name, "ssetape_") {
			continue
		}
		keep = append(keep, part)
	}
	return strings.Join(keep, "&")
}
