package recorder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/internal/serving"
	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/sse"
)

// MaxRequestBody is the largest request body the proxy forwards.
const MaxRequestBody = cassette.MaxRequestBody

// Proxy is a tee reverse proxy: it forwards each request to Upstream, hands
// every chunk of the response to the client the moment it arrives, and
// records the interaction beside it. It is an http.Handler.
//
// It is faithful: an upstream that resets its connection reaches the client
// as a broken connection (no end of the body), as nginx passes it on. It is
// bounded: only what is recorded is held in memory, up to MaxRecordedBody,
// and a passthrough response is held not at all.
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
	Observer observe.Observer
	// Log, when set, is told one line per request.
	Log func(method, path string, status int, outcome string)
	// Journal, when set, is told of every request as it is read and as it
	// goes on (the control API's journal, GET /__ssetape/requests).
	Journal observe.Journal

	seq      atomic.Uint64 // stream ids
	stopOnce sync.Once
	stopped  chan struct{} // closed by Interrupt
	initOnce sync.Once
	defTr    http.RoundTripper
}

func (p *Proxy) init() {
	p.initOnce.Do(func() {
		p.stopped = make(chan struct{})
		// Go's transport asks for gzip itself and decodes it (Accept-Encoding
		// is not forwarded), so that bodies are recorded decoded, as the
		// replayer sends them.
		p.defTr = &http.Transport{Proxy: nil, ResponseHeaderTimeout: 5 * time.Minute}
	})
}

func (p *Proxy) transport() http.RoundTripper {
	if p.Transport != nil {
		return p.Transport
	}
	return p.defTr
}

// Interrupt ends every stream in flight (Ctrl-C): each is recorded with
// what arrived and the end reason interrupted, and handed to OnInteraction
// before its handler returns; the clients' bodies end cleanly.
func (p *Proxy) Interrupt() {
	p.init()
	p.stopOnce.Do(func() { close(p.stopped) })
}

// ServeHTTP implements http.Handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.init()
	body, status, err := serving.ReadBody(w, r, MaxRequestBody)
	x := p.begin(r, body)
	if err != nil {
		http.Error(w, "ssetape proxy: "+err.Error(), status)
		p.log(r, status, err.Error())
		p.end(x, status, err.Error())
		return
	}
	// The upstream request ends with the client's, or when the proxy is
	// interrupted (then the stream is recorded as interrupted).
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	go func() {
		select {
		case <-p.stopped:
			cancel(context.Canceled)
		case <-ctx.Done():
		}
	}()
	req, err := p.upstreamRequest(ctx, r, body)
	if err != nil {
		http.Error(w, "ssetape proxy: "+err.Error(), http.StatusBadGateway)
		p.end(x, http.StatusBadGateway, err.Error())
		return
	}
	start := time.Now()
	resp, err := p.transport().RoundTrip(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		msg := fmt.Sprintf("ssetape proxy: the upstream %s did not answer %s %s: %v\n", p.Upstream, r.Method, r.URL.Path, err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, msg)
		p.log(r, http.StatusBadGateway, "upstream failed: "+err.Error())
		p.end(x, http.StatusBadGateway, "upstream failed: "+err.Error())
		return
	}
	defer resp.Body.Close()
	headersAt := time.Since(start)
	for k, vs := range resp.Header {
		if !cassette.IsHopHeader(k) {
			w.Header()[k] = append([]string(nil), vs...)
		}
	}
	w.WriteHeader(resp.StatusCode)
	x.Answered(resp.StatusCode, nil)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	stream := IsEventStream(resp.Header.Get("Content-Type"))
	c := p.forward(ctx, w, rc, r, resp, start, stream, x)
	p.end(x, resp.StatusCode, string(c.end.Reason))
	if p.Record {
		p.record(r, body, resp, headersAt, c)
	} else {
		p.log(r, resp.StatusCode, "passed through, "+string(c.end.Reason))
	}
	if c.end.Reason == cassette.Reset {
		// As the upstream did: the client's connection breaks, with no
		// end of the body.
		panic(http.ErrAbortHandler)
	}
}

// upstreamRequest is the request to forward: the client's, less the
// hop-by-hop headers, ssetape's own headers and parameters and
// Accept-Encoding.
func (p *Proxy) upstreamRequest(ctx context.Context, r *http.Request, body []byte) (*http.Request, error) {
	out := p.Upstream.JoinPath(r.URL.EscapedPath())
	out.RawQuery = withoutOwnParams(r.URL.RawQuery)
	req, err := http.NewRequestWithContext(ctx, r.Method, out.String(), strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	for k, vs := range r.Header {
		if cassette.IsHopHeader(k) || cassette.IsOwnHeader(k) || k == "Accept-Encoding" {
			continue
		}
		req.Header[k] = append([]string(nil), vs...)
	}
	req.ContentLength = int64(len(body))
	return req, nil
}

// forward hands the body to the client chunk by chunk, recording what is to
// be recorded and showing an event stream to the observer.
func (p *Proxy) forward(ctx context.Context, w io.Writer, rc *http.ResponseController, r *http.Request, resp *http.Response, start time.Time, stream bool, x *observe.Exchange) *Capture {
	keep := KeepNothing
	switch {
	case p.Record && stream:
		keep = KeepStream
	case p.Record:
		keep = KeepBody
	}
	var onChunk func(cassette.Chunk)
	var wt *watch
	st := &observe.Stream{ID: p.seq.Add(1), Session: x.Snapshot().Session, Method: r.Method, Path: r.URL.Path, Exchange: x}
	onPanic := func(err error) { p.log(r, resp.StatusCode, "contract observer: "+err.Error()) }
	if (p.Observer != nil || p.Journal != nil) && stream {
		wt = newWatch(counting{p.Observer}, st, onPanic)
		onChunk = func(c cassette.Chunk) { wt.chunk(c.Data) }
	}
	c := Tee(ctx, resp.Body, start, w, rc.Flush, onChunk, keep)
	if wt != nil {
		var err error
		if c.end.Reason != cassette.EOF {
			err = fmt.Errorf("the stream ended: %s", c.end.Reason)
		}
		wt.close(err, onPanic)
	}
	return c
}

// record builds the interaction and hands it on.
func (p *Proxy) record(r *http.Request, body []byte, resp *http.Response, headersAt time.Duration, c *Capture) {
	// The original URL (the client's), not the upstream's, goes in the
	// cassette, so that replay matches what clients send.
	it, err := Interaction(r, body, resp, headersAt, c, p.Redaction)
	if err != nil {
		p.log(r, resp.StatusCode, "not recorded: "+err.Error())
		return
	}
	if p.OnInteraction != nil {
		p.OnInteraction(it)
	}
	outcome := fmt.Sprintf("recorded %s, %s", plural(len(c.chunks), "chunk"), c.end.Reason)
	if c.stopped != "" {
		outcome += ": " + c.stopped
	}
	p.log(r, resp.StatusCode, outcome)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
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
		if name, _ := url.QueryUnescape(k); cassette.IsOwnParam(name) {
			continue
		}
		keep = append(keep, part)
	}
	return strings.Join(keep, "&")
}

// begin starts the journal's record of a request.
func (p *Proxy) begin(r *http.Request, body []byte) *observe.Exchange {
	session := r.Header.Get(cassette.SessionHeader)
	if session == "" {
		session = r.URL.Query().Get(cassette.SessionParam)
	}
	x := observe.NewExchange(r, session, body, time.Now())
	if p.Journal != nil {
		p.Journal.Record(x)
	}
	return x
}

// end records the end of a request in its journal record.
func (p *Proxy) end(x *observe.Exchange, status int, reason string) {
	if x.Snapshot().Status == 0 {
		x.Answered(status, nil)
	}
	x.End(time.Now(), reason)
}

// counting is the proxy's observer: it counts each event in the stream's
// journal record, then hands it to the user's observer, if any.
type counting struct{ o observe.Observer }

func (c counting) Event(s *observe.Stream, n int, e sse.Event) {
	s.Exchange.Sent()
	if c.o != nil {
		c.o.Event(s, n, e)
	}
}

func (c counting) End(s *observe.Stream, err error) {
	if c.o != nil {
		c.o.End(s, err)
	}
}
