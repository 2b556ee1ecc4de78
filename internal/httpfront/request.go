package httpfront

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"time"
)

// requestState is what the front makes of one request it reads: its head, its
// body and the handler's ResponseWriter, in one allocation.
type requestState struct {
	head head
	body body
	w    writer
}

// request makes the http.Request the handler gets for the head the front
// took, as net/http would make it, and readies ex's body and writer for it;
// after is what was read past the head.
func (fc *conn) request(ex *requestState, after []byte) *http.Request {
	h, b := &ex.head, &ex.body
	*b = body{c: fc.c, remain: h.contentLength}
	if n := min(int64(len(after)), h.contentLength); n > 0 {
		b.buffered = after[:n]
	}
	b.after = after[min(int64(len(after)), h.contentLength):]
	header := h.header
	if header == nil {
		header = http.Header{}
	}
	// The handler's request is WithContext's copy: base stays on the stack,
	// so a request is one http.Request on the heap, not two.
	base := http.Request{
		Method:        h.method,
		URL:           h.url,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Host:          h.host,
		ContentLength: h.contentLength,
		Close:         h.close,
		RemoteAddr:    fc.remoteAddr(),
		RequestURI:    h.target,
		Body:          http.NoBody,
	}
	if h.contentLength > 0 {
		base.Body = b
	}
	r := base.WithContext(fc)
	ex.w = writer{fc: fc, req: r, rb: b, clen: -1, closeAfter: r.Close}
	return r
}

// body is a request body of known length: the part read with the head,
// then the connection.
type body struct {
	c        net.Conn
	remain   int64  // bytes of the body not yet read
	buffered []byte // read with the head, not yet given out
	after    []byte // read with the head past the body: the next request
	closed   bool
}

func (b *body) Read(p []byte) (int, error) {
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.remain == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var err error
	if len(b.buffered) > 0 {
		n = copy(p, b.buffered)
		b.buffered = b.buffered[n:]
	} else {
		if int64(len(p)) > b.remain {
			p = p[:b.remain]
		}
		n, err = b.c.Read(p)
	}
	b.remain -= int64(n)
	if b.remain == 0 {
		return n, io.EOF
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// discard reads the rest of the body and drops it; false when it could not
// (the client stopped sending it).
func (b *body) discard(wait time.Duration) bool {
	if wait > 0 {
		_ = b.c.SetReadDeadline(time.Now().Add(wait))
		defer func() { _ = b.c.SetReadDeadline(time.Time{}) }()
	}
	var buf [4096]byte
	for b.remain > 0 {
		if _, err := b.Read(buf[:]); err != nil && err != io.EOF {
			return false
		}
	}
	return true
}

func (b *body) Close() error {
	b.closed = true
	return nil
}

// hijackedReader is the bufio.Reader a Hijack returns: it holds what the
// client sent after the request.
func hijackedReader(c net.Conn, rest []byte) *bufio.Reader {
	br := bufio.NewReaderSize(WithPrefix(c, rest), max(16, len(rest)))
	if len(rest) > 0 {
		_, _ = br.Peek(len(rest))
	}
	return br
}
