// Package recorder records live HTTP interactions, SSE streams above all, as
// cassette interactions: every chunk of the body with its offset from the
// moment the request was sent, the time to headers, and how the response
// ended. It never buffers a stream: a caller that passes the client's writer
// gets each chunk the moment it arrives, and recording happens beside it.
//
// Secrets are redacted before anything leaves this package
// (cassette.Redaction): credential headers, query parameters and JSON fields
// by name, credential-shaped values anywhere, and more by option.
//
// Nothing that arrived is lost: a stream that breaks, is interrupted, or
// passes a size limit is recorded up to there, with the reason it ended.
//
// It does not serve cassettes (that is the replayer) and does not write
// files (the caller saves the interaction with cassette.WriteFile).
package recorder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/sse"
)

// Redacted is what a redacted value is replaced with.
const Redacted = cassette.Redacted

// Redaction lists what is replaced with REDACTED before recording.
type Redaction = cassette.Redaction

// DefaultRedaction is what is always redacted: the patterns of
// cassette.SecretName and cassette.RedactValues, nothing more by name.
var DefaultRedaction = Redaction{}

// MaxRecordedBody is the most of one response body a recording keeps: past
// it, the recording stops there (the client still gets everything), so that
// the cassette stays loadable (cassette.MaxFileSize) and memory bounded.
const MaxRecordedBody = 64 << 20

// recordHeaders copies h for a cassette: canonical names, hop-by-hop
// headers and ssetape's own dropped, secrets redacted.
func recordHeaders(h http.Header, red Redaction) cassette.Headers {
	out := cassette.Headers{}
	for k, vs := range h {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if cassette.IsHopHeader(ck) || cassette.IsOwnHeader(ck) {
			continue
		}
		out[ck] = append([]string(nil), vs...)
	}
	return red.RedactHeaders(out)
}

// Capture is the recording of one response, built while the body streams.
type Capture struct {
	start  time.Time
	chunks []cassette.Chunk
	end    cassette.End
	kept   int64
	// stopped, when set, says why recording stopped before the body ended.
	stopped string
	limits  limitScan
}

// Keep says what a Tee records of a body.
type Keep uint8

// What a Tee keeps.
const (
	// KeepNothing records nothing: the body only passes (passthrough).
	KeepNothing Keep = iota
	// KeepBody records the body up to MaxRecordedBody.
	KeepBody
	// KeepStream records an event stream up to MaxRecordedBody and up to a
	// line or an event over the decoder's limit (sse.DefaultMaxSize).
	KeepStream
)

// CaptureAll is what record keeps: a stream, up to its limits.
const CaptureAll = KeepStream

// Tee reads the body, hands each read to w at once (flushing after each)
// and records it with its offset from start, as keep says. It stops at the
// end of the body, at a read error, or when w fails (the client went away),
// and says how the stream ended. With no w (record), it also stops when
// recording stopped at a limit: there is no one else to read for. onChunk,
// when set, sees each chunk (a live view).
func Tee(ctx context.Context, body io.Reader, start time.Time, w io.Writer, flush func() error, onChunk func(cassette.Chunk), keep Keep) *Capture {
	c := &Capture{start: start}
	buf := make([]byte, 32<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			at := time.Since(start)
			data := buf[:n]
			if keep != KeepNothing && c.stopped == "" {
				c.keep(at, data, keep)
			}
			if onChunk != nil {
				onChunk(cassette.Chunk{At: at, Data: data})
			}
			if w != nil {
				_, werr := w.Write(data)
				if werr == nil && flush != nil {
					werr = flush()
				}
				if werr != nil {
					c.end = cassette.End{At: time.Since(start), Reason: cassette.ClientClosed}
					return c.finish()
				}
			} else if c.stopped != "" {
				c.end = cassette.End{At: time.Since(start)}
				return c.finish()
			}
		}
		if err != nil {
			c.end = endOf(ctx, err, time.Since(start))
			return c.finish()
		}
	}
}

// keep records one read, unless it takes the recording past a limit.
func (c *Capture) keep(at time.Duration, data []byte, keep Keep) {
	if c.kept+int64(len(data)) > MaxRecordedBody {
		c.stopped = fmt.Sprintf("the body passed the recording limit of %d MiB at byte %d; recording stopped there", MaxRecordedBody>>20, c.kept)
		return
	}
	if keep == KeepStream {
		if why := c.limits.scan(data, c.kept); why != "" {
			c.stopped = why + "; recording stopped there"
			return
		}
	}
	c.kept += int64(len(data))
	c.chunks = append(c.chunks, cassette.Chunk{At: at, Data: append([]byte(nil), data...)})
}

// finish records how the recording ended: a limit that stopped it wins
// over the end of the body.
func (c *Capture) finish() *Capture {
	if c.stopped != "" {
		c.end.Reason, c.end.Error = cassette.Failed, c.stopped
	}
	return c
}

// Stopped says why recording stopped before the body ended ("" when it did
// not).
func (c *Capture) Stopped() string { return c.stopped }

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
	path := req.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	if q := withoutOwnParams(req.URL.RawQuery); q != "" {
		path += "?" + q
	}
	end := c.end
	it := &cassette.Interaction{
		Request: cassette.Request{Method: req.Method, Path: path, Headers: recordHeaders(req.Header, red), Body: reqBody},
		Response: cassette.Response{Status: resp.StatusCode, Headers: recordHeaders(resp.Header, red), HeadersAt: headersAt.Round(time.Microsecond),
			End: &end},
	}
	if len(it.Request.Headers) == 0 {
		it.Request.Headers = nil
	}
	if IsEventStream(resp.Header.Get("Content-Type")) {
		if err := it.Response.SetChunks(c.chunks); err != nil {
			return nil, err
		}
	} else {
		for _, ch := range c.chunks {
			it.Response.Body = append(it.Response.Body, ch.Data...)
		}
	}
	if err := red.RedactInteraction(it); err != nil {
		return nil, err
	}
	return it, nil
}

// IsEventStream reports whether a Content-Type is text/event-stream.
func IsEventStream(ct string) bool {
	essence, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(essence), "text/event-stream")
}

// limitScan finds, as the chunks of a stream pass, a line or an event's
// data over the decoder's limit (sse.DefaultMaxSize), which the cassette
// could not be read back with.
type limitScan struct {
	line    int // bytes of the line so far
	prefix  []byte
	data    int  // data bytes of the block so far
	isData  bool // the line is a data line (known once its first bytes are in)
	afterCR bool
}

func (s *limitScan) scan(b []byte, base int64) string {
	for i := 0; i < len(b); {
		c := b[i]
		if c == '\n' && s.afterCR { // the LF of a CRLF
			s.afterCR = false
			i++
			continue
		}
		s.afterCR = false
		if c == '\r' || c == '\n' {
			s.afterCR = c == '\r'
			if s.line == 0 {
				s.data = 0 // a blank line ends the block
			} else if s.isData || string(s.prefix) == "data" {
				s.data += s.line
			}
			s.line, s.prefix, s.isData = 0, s.prefix[:0], false
			i++
			continue
		}
		// The rest of the line in this chunk, at once.
		j := i + bytes.IndexAny(b[i:], "\r\n")
		if j < i {
			j = len(b)
		}
		for k := i; k < j && len(s.prefix) < 5; k++ {
			s.prefix = append(s.prefix, b[k])
			if len(s.prefix) == 5 {
				s.isData = string(s.prefix) == "data:"
			}
		}
		s.line += j - i
		if s.line > sse.DefaultMaxSize {
			return fmt.Sprintf("a line over %d MiB at byte %d", sse.DefaultMaxSize>>20, base+int64(j))
		}
		if s.isData && s.data+s.line > sse.DefaultMaxSize {
			return fmt.Sprintf("an event's data over %d MiB at byte %d", sse.DefaultMaxSize>>20, base+int64(j))
		}
		i = j
	}
	return ""
}
