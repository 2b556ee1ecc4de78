package transport

import "time"

// streamHeap orders a scheduler's streams by when they are next due (a
// binary heap). The due time is kept beside the pointer, so that ordering
// touches only the heap's array, and so is the generation of the stream's
// schedule it was pushed for: an entry whose stream was rescheduled since
// (released, ended) is stale and skipped when it comes up.
type streamHeap []heapEntry

type heapEntry struct {
	due time.Duration
	gen uint64
	ls  *liveStream
}

func (h *streamHeap) push(e heapEntry) {
	*h = append(*h, e)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].due <= e.due {
			break
		}
		a[i] = a[p]
		i = p
	}
	a[i] = e
}

func (h *streamHeap) pop() heapEntry {
	a := *h
	top := a[0]
	last := a[len(a)-1]
	a[len(a)-1] = heapEntry{}
	a = a[:len(a)-1]
	*h = a
	if len(a) == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= len(a) {
			break
		}
		if c+1 < len(a) && a[c+1].due < a[c].due {
			c++
		}
		if last.due <= a[c].due {
			break
		}
		a[i] = a[c]
		i = c
	}
	a[i] = last
	return top
}
