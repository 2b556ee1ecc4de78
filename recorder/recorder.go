// Package recorder records live HTTP interactions, SSE streams above all, as
// cassette interactions: every chunk of the body with its offset from the
// moment the request was sent, the time to headers, and how the response
// ended. It never buffers a stream: a caller that passes the client's writer
// gets each chunk the moment it arrives, and recording happens beside it.
//
// Secrets are redacted before anything leaves this package: the credential
// headers and query parameters of DESIGN.md, and more by option.
//
// It does not serve cassettes (that is the replayer) and does not write
// files (the caller saves the interaction with cassette.WriteFile).
package recorder

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/ssetape/ssetape/cassette"
)

// Redacted is what a redacted value is replaced with.
const Redacted = "REDACTED"

// Redaction lists what is replaced with REDACTED before recording.
type Redaction struct {
	Headers []string // header names, any case
	Query   []string // query parameter names
	// JSON paths whose values are redacted in request bodies and in the
	// data of events (the wire chunks that held them are rewritten, and the
	// wire section says so).
	JSON []cassette.Path
}

// DefaultRedaction is what is always redacted: credential headers and the
// query parameters that usually carry keys.
var DefaultRedaction = Redaction{
	Headers: []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Api-Key", "X-Goog-Api-Key"},
	Query:   []string{"key", "api_key", "apikey", "token", "access_token"},
}

// With returns the default redaction plus more names.
func (r Redaction) With(headers, query []string) Redaction {
	return Redaction{Headers: append(append([]string(nil), r.Headers...), headers...), Query: append(append([]string(nil), r.Query...), query...), JSON: r.JSON}
}

// headers copies h for a cassette: canonical names, hop-by-hop headers and
// ssetape's own dropped, secrets redacted.
func (r Redaction) headers(h http.Header) cassette.Headers {
	out := cassette.Headers{}
	for k, vs := range h {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if isHop(ck) || strings.HasPrefix(ck, "Ssetape-") {
			continue
		}
		vals := append([]string(nil), vs...)
		for _, name := range r.Headers {
			if strings.EqualFold(name, ck) {
				for i := range vals {
					vals[i] = Redacted
				}
			}
		}
		out[ck] = vals
	}
	return out
}

var hops = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Te", "Trailer", "Content-Length", "Date"}

func isHop(k string) bool {
	for _, h := range hops {
		if h == k {
			return true
		}
	}
	return false
}

// path returns the path with its query for a cassette: ssetape_* parameters
// dropped, secret ones redacted, the order kept.
func (r Redaction) path(u *url.URL) string {
	if u.RawQuery == "" {
		return u.EscapedPath()
	}
	var parts []string
	for _, p := range strings.Split(u.RawQuery, "&") {
		k, _, _ := strings.Cut(p, "=")
		name, _ := url.QueryUnescape(k)
		switch {
		case strings.HasPrefix(name, "ssetape_"):
			continue
		case r.secretQuery(name):
			p = k + "=" + Redacted
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return u.EscapedPath()
	}
	return u.EscapedPath() + "?" + strings.Join(parts, "&")
}

func (r Redaction) secretQuery(name string) bool {
	for _, q := range r.Query {
		if strings.EqualFold(q, name) {
			return true
		}
	}
	return false
}

// Capture is the recording of one response, built while the body streams.
type Capture struct {
	start  time.Time
	chunks []cassette.Chunk
	end    cassette.End
}

// Chunk is what a live view is told for every chunk as it arrives.
type Chunk struct {
	At   time.Duration
	Data []byte
}

// Tee reads the body, hands each read to w at once (flushing after each)
// and records it with its offset from start. It stops at the end of the
// body, at a read error, or when w fails (the client went away), and says
// how the stream ended. onChunk, when set, sees each chunk (a live view).
func Tee(ctx context.Context, body io.Reader, start time.Time, w io.Writer, flush func() error, onChunk func(Chunk)) *Capture {
	c := &Capture{start: start}
	buf := make([]byte, 32<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			at := time.Since(start)
			data := append([]byte(nil), buf[:n]...)
			c.chunks = append(c.chunks, cassette.Chunk{At: at, Data: data})
			if onChunk != nil {
				onChunk(Chunk{At: at, Data: data})
			}
			if w != nil {
				_, werr := w.Write(data)
				if werr == nil && flush != nil {
					werr = flush()
				}
				if werr != nil {
					c.end = cassette.End{At: time.Since(start), Reason: cassette.ClientClosed}
					return c
				}
			}
		}
		if err != nil {
			c.end = endOf(ctx, err, time.Since(start))
			return c
		}
	}
}

// endOf names how a read ended.
func endOf(ctx context.Context, err error, at time.Duration) cassette.End {
	var ne net.Error
	switch {
	case err == io.EOF:
		return cassette.End{At: at, Reason: cassette.EOF}
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		return cassette.End{At: at, Reason: cassette.Interrupted}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return cassette.End{At: at, Reason: cassette.Timeout}
	case errors.Is(err, syscall.ECONNRESET) || strings.Contains(err.Error(), "connection reset"):
		return cassette.End{At: at, Reason: cassette.Reset}
	}
	return cassette.End{At: at, Reason: cassette.Failed, Error: err.Error()}
}

// Interaction builds the cassette interaction of a request and its captured
// response, redacted. A text/event-stream response keeps its chunks (the
// wire section) and gets entries derived from them; any other keeps its
// body.
func Interaction(req *http.Request, reqBody []byte, resp *http.Response, headersAt time.Duration, c *Capture, red Redaction) (*cassette.Interaction, error) {
	it := &cassette.Interaction{
		Request: cassette.Request{Method: req.Method, Path: red.path(req.URL), Headers: red.headers(req.Header), Body: RedactJSON(reqBody, red.JSON)},
		Response: cassette.Response{Status: resp.StatusCode, Headers: red.headers(resp.Header), HeadersAt: headersAt.Round(time.Microsecond),
			End: &c.end},
	}
	if len(it.Request.Headers) == 0 {
		it.Request.Headers = nil
	}
	if isEventStream(resp.Header.Get("Content-Type")) {
		if err := it.Response.SetChunks(c.chunks); err != nil {
			return nil, err
		}
		if err := redactStream(&it.Response, red.JSON); err != nil {
			return nil, err
		}
		return it, nil
	}
	for _, ch := range c.chunks {
		it.Response.Body = append(it.Response.Body, ch.Data...)
	}
	it.Response.Body = RedactJSON(it.Response.Body, red.JSON)
	return it, nil
}

func isEventStream(ct string) bool {
	essence, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(essence), "text/event-stream")
}
