package httpfront

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// bufferBeforeChunking is how much body the writer holds before it sends
// the head: a response that ends within it gets a Content-Length, as
// net/http's does (its bufferBeforeChunkingSize).
const bufferBeforeChunking = 2048

// maxPostHandlerReadBytes is the most of a request body the handler left
// unread that is read to keep the connection (net/http's figure).
const maxPostHandlerReadBytes = 256 << 10

var (
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}
	bodyPool   = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, bufferBeforeChunking) }}
)

// writer is the http.ResponseWriter of a request the front took. It writes
// the response as net/http's would for the same handler calls (the head's
// header order, Date, Content-Length or chunked, Content-Type sniffing,
// Connection: close), which httpfront's tests check byte for byte.
type writer struct {
	fc  *conn
	req *http.Request
	rb  *body

	header      http.Header // the handler's; made when Header is first called
	sent        http.Header // the header as of WriteHeader
	status      int
	wroteHeader bool // the handler's WriteHeader (or first Write)
	headSent    bool // the head is on its way to the connection
	chunked     bool
	clen        int64 // the handler's Content-Length, -1 when none
	written     int64
	w           *bufio.Writer // the body, bufferBeforeChunking bytes of it, before chunkWriter
	bw          *bufio.Writer // the connection
	done        bool          // the handler has returned
	closeAfter  bool
	hijacked    bool
	deadlines   bool // the handler set a deadline on the connection
	err         error
}

// Header returns the response header, made on the first call: a stream
// whose head the transport has cached never asks for it.
func (w *writer) Header() http.Header {
	if w.header == nil {
		w.header = make(http.Header)
	}
	return w.header
}

func (w *writer) WriteHeader(code int) {
	if w.hijacked || w.wroteHeader {
		return
	}
	if code < 100 || code > 999 {
		panic("invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		// An informational answer goes out at once; the final one follows.
		w.writeInterim(code)
		return
	}
	w.wroteHeader = true
	w.status = code
	w.sent = w.header.Clone()
	if cl := w.sent.Get("Content-Length"); cl != "" {
		if v, err := strconv.ParseInt(cl, 10, 64); err == nil && v >= 0 {
			w.clen = v
		} else {
			w.sent.Del("Content-Length")
		}
	}
}

func (w *writer) writeInterim(code int) {
	bw := w.writerBuf()
	writeStatusLine(bw, code)
	_ = w.header.Write(bw)
	_, _ = bw.WriteString("\r\n")
	if err := bw.Flush(); err != nil {
		w.err = err
	}
}

func (w *writer) writerBuf() *bufio.Writer {
	if w.bw == nil {
		w.bw = writerPool.Get().(*bufio.Writer)
		w.bw.Reset(w.fc.c)
	}
	return w.bw
}

func (w *writer) Write(p []byte) (int, error) { return w.write(len(p), p, "") }

// WriteString is Write for a string, as net/http's (whose buffering of a
// long string differs from that of a long slice: the chunks show it).
func (w *writer) WriteString(s string) (int, error) { return w.write(len(s), nil, s) }

func (w *writer) write(n int, p []byte, s string) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if n == 0 {
		return 0, nil
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(n)
	if w.clen >= 0 && w.written > w.clen {
		return 0, http.ErrContentLength
	}
	if w.w == nil {
		w.w = bodyPool.Get().(*bufio.Writer)
		w.w.Reset(chunkWriter{w})
	}
	if p != nil {
		return w.w.Write(p)
	}
	return w.w.WriteString(s)
}

// chunkWriter is what the body buffer writes to, as net/http's: the first
// write sends the head (sniffing the type from it, and, when the handler
// has returned, giving it a Content-Length), each write is one chunk.
type chunkWriter struct{ w *writer }

func (cw chunkWriter) Write(p []byte) (int, error) {
	w := cw.w
	if !w.headSent {
		w.sendHead(p)
	}
	if w.err != nil {
		return 0, w.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	bw := w.writerBuf()
	if w.chunked {
		_, _ = bw.WriteString(strconv.FormatInt(int64(len(p)), 16))
		_, _ = bw.WriteString("\r\n")
		_, _ = bw.Write(p)
		_, w.err = bw.WriteString("\r\n")
	} else {
		_, w.err = bw.Write(p)
	}
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// sendHead writes the response head; p is the first of the body. Once the
// handler has returned (done), p is the whole body, and gets its
// Content-Length.
func (w *writer) sendHead(p []byte) {
	w.headSent = true
	h := w.sent
	var extra struct {
		date, contentLength, contentType, connection, transferEncoding string
	}
	exclude := map[string]bool{}
	te := h.Get("Transfer-Encoding")
	hasTE := te != ""
	if w.done && !hasTE && bodyAllowed(w.status) && !has(h, "Content-Length") {
		w.clen = int64(len(p))
		extra.contentLength = strconv.Itoa(len(p))
	}
	if h.Get("Connection") == "close" {
		w.closeAfter = true
	}
	if w.req.ContentLength != 0 && !w.closeAfter && w.rb.remain > 0 {
		// The handler did not read the whole body: as net/http does, up to
		// 256 KiB of it is read and dropped so that the connection can
		// serve the next request; past that it closes after the response.
		if w.rb.remain > maxPostHandlerReadBytes || !w.rb.discard(w.fc.s.Fallback.ReadHeaderTimeout) {
			w.closeAfter = true
			exclude["Connection"] = true
			extra.connection = "close"
		}
	}
	if bodyAllowed(w.status) {
		if _, haveType := h["Content-Type"]; !haveType && h.Get("Content-Encoding") == "" && !hasTE && len(p) > 0 {
			extra.contentType = http.DetectContentType(p)
		}
	} else {
		// No body, so no framing (and a 304 no type), as net/http's
		// suppressedHeaders.
		exclude["Content-Length"], exclude["Transfer-Encoding"] = true, true
		if w.status == http.StatusNotModified {
			exclude["Content-Type"] = true
		}
	}
	if !has(h, "Date") {
		extra.date = time.Now().UTC().Format(http.TimeFormat)
	}
	hasCL := w.clen != -1
	if hasCL && hasTE && te != "identity" {
		exclude["Content-Length"] = true
		hasCL = false
	}
	switch {
	case !bodyAllowed(w.status): // excluded above
	case hasCL:
		exclude["Transfer-Encoding"] = true
	case hasTE && te == "identity":
		w.closeAfter = true
		exclude["Transfer-Encoding"] = true
	default:
		w.chunked = true
		extra.transferEncoding = "chunked"
		if hasTE && te == "chunked" {
			exclude["Transfer-Encoding"] = true
		}
	}
	if w.chunked {
		exclude["Content-Length"] = true
	}
	if w.closeAfter && !hasToken(h.Get("Connection"), "close") {
		exclude["Connection"] = true
		extra.connection = "close"
	}
	bw := w.writerBuf()
	writeStatusLine(bw, w.status)
	_ = h.WriteSubset(bw, exclude)
	for _, kv := range [...][2]string{{"Date", extra.date}, {"Content-Length", extra.contentLength},
		{"Content-Type", extra.contentType}, {"Connection", extra.connection}, {"Transfer-Encoding", extra.transferEncoding}} {
		if kv[1] != "" {
			_, _ = bw.WriteString(kv[0] + ": " + kv[1] + "\r\n")
		}
	}
	_, w.err = bw.WriteString("\r\n")
}

func (w *writer) Flush() {
	_ = w.FlushError()
}

// FlushError sends the head and what the handler wrote so far.
func (w *writer) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	w.flushPending()
	if w.err == nil {
		w.err = w.writerBuf().Flush()
	}
	return w.err
}

// flushPending writes the head, with a 200 when the handler set none, and
// passes the body buffer on to chunkWriter: what a flush and the end of
// the handler both do first.
func (w *writer) flushPending() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.flushBody()
	if !w.headSent {
		w.sendHead(nil)
	}
}

// flushBody passes what the body buffer holds on to chunkWriter.
func (w *writer) flushBody() {
	if w.w == nil {
		return
	}
	if err := w.w.Flush(); err != nil && w.err == nil {
		w.err = err
	}
}

// release gives the writer's buffers back to their pools.
func (w *writer) release() {
	if w.w != nil {
		w.w.Reset(nil)
		bodyPool.Put(w.w)
		w.w = nil
	}
	if w.bw != nil {
		w.bw.Reset(nil)
		writerPool.Put(w.bw)
		w.bw = nil
	}
}

// finish ends the response after the handler returned; it says whether the
// connection may serve another request.
func (w *writer) finish() bool {
	w.done = true
	w.flushPending()
	if w.chunked && w.err == nil {
		_, w.err = w.writerBuf().WriteString("0\r\n\r\n")
	}
	if w.bw != nil && w.err == nil {
		w.err = w.bw.Flush()
	}
	w.release()
	if w.clen >= 0 && w.written != w.clen && bodyAllowed(w.status) {
		return false // the handler promised more than it wrote
	}
	return w.err == nil && !w.closeAfter
}

// Hijack hands the connection over, with what the client sent after the
// request buffered in the reader.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rest, err := w.HijackRest()
	if err != nil {
		return nil, nil, err
	}
	return c, bufio.NewReadWriter(hijackedReader(c, rest), bufio.NewWriter(c)), nil
}

// HijackRest hands the connection over without net/http's buffers: rest is
// what the client sent after the request (a copy). The transport takes
// streams over through it. The connection comes without a deadline: the
// front's own read deadline is cleared before the handler runs, and one
// the handler set is cleared here.
func (w *writer) HijackRest() (net.Conn, []byte, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.headSent {
		return nil, nil, errors.New("httpfront: Hijack after the response head was sent")
	}
	w.hijacked = true
	w.release()
	if w.deadlines {
		_ = w.fc.c.SetDeadline(time.Time{})
	}
	var rest []byte
	if w.rb.remain == 0 && len(w.rb.after) > 0 {
		rest = append([]byte(nil), w.rb.after...)
	}
	return w.fc.c, rest, nil
}

// SocketFD returns the socket under the connection, when the front knows
// it: found once a connection, where the transport would ask the
// connection for it (three allocations) on every stream it takes over.
func (w *writer) SocketFD() (uintptr, bool) { return w.fc.socketFD() }

func (w *writer) SetReadDeadline(t time.Time) error {
	w.deadlines = true
	return w.fc.c.SetReadDeadline(t)
}

func (w *writer) SetWriteDeadline(t time.Time) error {
	w.deadlines = true
	return w.fc.c.SetWriteDeadline(t)
}

func writeStatusLine(bw *bufio.Writer, code int) { _, _ = bw.WriteString(StatusLine(code)) }

// StatusLine is an HTTP/1.1 response's first line, CRLF included, as
// net/http writes it (a status without a text gets "status code N"). The
// transport writes the heads of the streams it takes over with it too.
func StatusLine(code int) string {
	text := http.StatusText(code)
	if text == "" {
		text = "status code " + strconv.Itoa(code)
	}
	return "HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n"
}

func bodyAllowed(code int) bool {
	return !(code >= 100 && code <= 199 || code == http.StatusNoContent || code == http.StatusNotModified)
}

func has(h http.Header, key string) bool {
	_, ok := h[key]
	return ok
}

// hasToken reports whether a comma-separated header value lists token
// (case-insensitively).
func hasToken(v, token string) bool {
	for _, part := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(part), token) {
			return true
		}
	}
	return false
}
