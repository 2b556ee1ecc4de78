package recorder

import (
	"io"

	"github.com/ssetape/ssetape/sse"
)

// Tap decodes a stream's chunks as they pass, on a goroutine of its own, and
// hands every block of the raw view (events, comments, retry lines) to a
// function: what the proxy's observers and record's live view are built on.
// Write never blocks the stream for long: it waits only for the decoder to
// take the bytes.
type Tap struct {
	pw   *io.PipeWriter
	done chan struct{}
}

// NewTap starts a tap that calls fn for each block, in order, from its own
// goroutine. A panic in fn stops the tap (the blocks after it are not seen)
// and is handed to onPanic, when set; the stream goes on.
func NewTap(fn func(sse.Block), onPanic func(v any)) *Tap {
	pr, pw := io.Pipe()
	t := &Tap{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		defer func() {
			if v := recover(); v != nil {
				_ = pr.CloseWithError(io.ErrClosedPipe)
				if onPanic != nil {
					onPanic(v)
				}
			}
		}()
		d := sse.NewDecoder(pr)
		for {
			b, err := d.NextBlock()
			if err != nil {
				_, _ = io.Copy(io.Discard, pr)
				return
			}
			fn(b)
		}
	}()
	return t
}

// Write hands the tap the next chunk of the stream.
func (t *Tap) Write(p []byte) (int, error) {
	_, _ = t.pw.Write(p)
	return len(p), nil
}

// Close ends the stream and waits until every block was handed on.
func (t *Tap) Close() {
	_ = t.pw.Close()
	<-t.done
}
