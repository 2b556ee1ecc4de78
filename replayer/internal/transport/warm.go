//go:build !race

package transport

import "unsafe"

// warm reads one word of every cache line a write uses of the streams a
// pass is about to write, and returns their sum (kept by the caller, so
// that the reads stay in the program). The reads do not depend on each
// other, so the processor fetches all the lines at once; the writes that
// follow take a locked instruction first, which lets no later read start
// before it, so without this each stream's lines would be fetched one
// after another.
// With thousands of streams their lines are not in cache: measured with
// perf, the first touches of a stream were most of the scheduler's own
// time.
//
// The reads race with the streams' owners, who may be changing the words
// read; the values are thrown away, so that does no harm, but the race
// detector would say otherwise: under -race, warm does nothing
// (warm_race.go).
func warm(batch []dueEntry) uintptr {
	var sum uintptr
	for _, e := range batch {
		// A write uses the live stream's last fields and the cursor's
		// first (see Stream.curv): from the live stream's s to the
		// cursor's own, and the line of the word before own.
		p := unsafe.Pointer(e.ls)
		for off := hotFrom; off < hotTo; off += 64 {
			sum += *(*uintptr)(unsafe.Add(p, off))
		}
		sum += *(*uintptr)(unsafe.Add(p, (hotTo-1)&^7))
	}
	return sum
}
