package recorder

import (
	"fmt"

	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/sse"
)

// watch decodes one stream as it passes and tells the proxy's observer of
// each event; a panic in the observer stops the watch (logged through
// onPanic) and the stream goes on.
type watch struct {
	tap *Tap
	o   observe.Observer
	s   *observe.Stream
	bad bool
}

func newWatch(o observe.Observer, s *observe.Stream, onPanic func(error)) *watch {
	w := &watch{o: o, s: s}
	n := 0
	w.tap = NewTap(func(b sse.Block) {
		if b.Dispatched {
			n++
			o.Event(s, n, b.Event)
		}
	}, func(v any) {
		w.bad = true
		onPanic(fmt.Errorf("the observer panicked: %v", v))
	})
	return w
}

func (w *watch) chunk(data []byte) { _, _ = w.tap.Write(data) }

// close ends the watch and tells the observer how the stream ended.
func (w *watch) close(err error, onPanic func(error)) {
	w.tap.Close()
	if w.bad {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			onPanic(fmt.Errorf("the observer panicked: %v", v))
		}
	}()
	w.o.End(w.s, err)
}
