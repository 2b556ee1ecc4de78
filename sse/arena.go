package sse

import "unsafe"

// arenaChunk is the size of the blocks strings are cut from.
const arenaChunk = 16 << 10

// arena hands out strings cut from append-only byte blocks: many small
// strings cost one allocation. Bytes before start have been handed out as
// strings and are never written again; the bytes from start on are the
// pending string being built.
type arena struct {
	b     []byte
	start int
}

func (a *arena) pending() int { return len(a.b) - a.start }

// reserve makes room for n more bytes, moving the pending bytes to a new
// block when the current one is full.
func (a *arena) reserve(n int) {
	if len(a.b)+n <= cap(a.b) {
		return
	}
	p := a.pending()
	size := max(arenaChunk, 2*(p+n))
	nb := make([]byte, p, size)
	copy(nb, a.b[a.start:])
	a.b, a.start = nb, 0
}

func (a *arena) appendByte(c byte) {
	a.reserve(1)
	a.b = append(a.b, c)
}

// appendUTF8 appends b, decoded the WHATWG way (see appendUTF8).
func (a *arena) appendUTF8(b []byte) {
	a.reserve(len(b))
	if isUTF8(b) {
		a.b = append(a.b, b...)
		return
	}
	// Repair can grow the bytes (up to 3 bytes per input byte); appendUTF8
	// may then reallocate, which leaves earlier strings in the old block.
	a.b = appendUTF8(a.b, b)
}

// take returns the first n pending bytes as a string and ends the pending
// string (any bytes after the n are dropped).
func (a *arena) take(n int) string {
	var s string
	if n > 0 {
		s = unsafe.String(&a.b[a.start], n)
	}
	a.start = len(a.b)
	return s
}

// drop forgets the pending bytes.
func (a *arena) drop() { a.b = a.b[:a.start] }
