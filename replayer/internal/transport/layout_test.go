package transport

import (
	"testing"
	"unsafe"
)

// TestAWritesFieldsAreTogether: the fields a write uses, of the live
// stream and of the cursor, lie between hotFrom and hotTo, which warm
// fetches before a pass; a field added among them, or one of them moved,
// shows here.
func TestAWritesFieldsAreTogether(t *testing.T) {
	var s Stream
	base := uintptr(unsafe.Pointer(&s.live))
	ls, c := &s.live, &s.curv
	fields := map[string]struct {
		p    unsafe.Pointer
		size uintptr
	}{
		"live.s": {unsafe.Pointer(&ls.s), unsafe.Sizeof(ls.s)}, "live.cur": {unsafe.Pointer(&ls.cur), unsafe.Sizeof(ls.cur)},
		"live.sc": {unsafe.Pointer(&ls.sc), unsafe.Sizeof(ls.sc)}, "live.fd": {unsafe.Pointer(&ls.fd), unsafe.Sizeof(ls.fd)},
		"live.start": {unsafe.Pointer(&ls.start), unsafe.Sizeof(ls.start)}, "live.gen": {unsafe.Pointer(&ls.gen), unsafe.Sizeof(ls.gen)},
		"live.due": {unsafe.Pointer(&ls.due), unsafe.Sizeof(ls.due)}, "live.where": {unsafe.Pointer(&ls.where), unsafe.Sizeof(ls.where)},
		"live.probe": {unsafe.Pointer(&ls.probe), 1}, "live.ending": {unsafe.Pointer(&ls.ending), 1},
		"live.hasFD": {unsafe.Pointer(&ls.hasFD), 1}, "live.reset": {unsafe.Pointer(&ls.reset), 1}, "live.event": {unsafe.Pointer(&ls.event), 1},
		"cursor.mu": {unsafe.Pointer(&c.mu), unsafe.Sizeof(c.mu)}, "cursor.chunks": {unsafe.Pointer(&c.chunks), unsafe.Sizeof(c.chunks)},
		"cursor.next": {unsafe.Pointer(&c.next), unsafe.Sizeof(c.next)}, "cursor.off": {unsafe.Pointer(&c.off), unsafe.Sizeof(c.off)},
		"cursor.lastDue": {unsafe.Pointer(&c.lastDue), unsafe.Sizeof(c.lastDue)}, "cursor.endDue": {unsafe.Pointer(&c.endDue), unsafe.Sizeof(c.endDue)},
		"cursor.events": {unsafe.Pointer(&c.events), unsafe.Sizeof(c.events)}, "cursor.bytes": {unsafe.Pointer(&c.bytes), unsafe.Sizeof(c.bytes)},
		"cursor.passed": {unsafe.Pointer(&c.passed), 1}, "cursor.endReq": {unsafe.Pointer(&c.endReq), unsafe.Sizeof(c.endReq)},
	}
	for name, f := range fields {
		off := uintptr(f.p) - base
		if off < hotFrom || off+f.size > hotTo {
			t.Errorf("%s is at %d..%d of the live stream, outside what warm fetches (%d..%d)", name, off, off+f.size, hotFrom, hotTo)
		}
	}
	if lines := (hotTo - hotFrom + 63) / 64; lines > 3 {
		t.Errorf("a write's fields span %d bytes, more than three cache lines", hotTo-hotFrom)
	}
}
