package recorder

import (
	"io"
	"sync"

	"github.com/ssetape/ssetape/sse"
)

// Stream describes one response passing through the proxy, for observers.
type Stream struct {
	ID     uint64
	Method string
	Path   string
}

// Observer watches the streams that pass through a Proxy, as the client
// receives them. Its methods are called in order for one stream; streams run
// concurrently.
type Observer interface {
	Event(s *Stream, n int, e sse.Event)
	End(s *Stream, err error)
}

// watch decodes a stream's chunks as they pass and tells the observer.
type watch struct {
	pw   *io.PipeWriter
	done chan struct{}
}

func newWatch(o Observer, s *Stream) *watch {
	pr, pw := io.Pipe()
	w := &watch{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		d := sse.NewDecoder(pr)
		for n := 1; ; n++ {
			e, err := d.Next()
			if err != nil {
				_, _ = io.Copy(io.Discard, pr)
				return
			}
			o.Event(s, n, e)
		}
	}()
	return w
}

func (w *watch) chunk(c Chunk) { _, _ = w.pw.Write(c.Data) }

func (w *watch) close() {
	_ = w.pw.Close()
	<-w.done
}

var streamSeq struct {
	sync.Mutex
	n uint64
}

func nextStreamID() uint64 {
	streamSeq.Lock()
	defer streamSeq.Unlock()
	streamSeq.n++
	return streamSeq.n
}
