package serving

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// fdSize is the size of this process's descriptor table, from
// /proc/self/status.
func fdSize(t *testing.T) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "FDSize:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			if err != nil {
				t.Fatalf("FDSize line %q: %v", line, err)
			}
			return n
		}
	}
	t.Skip("no FDSize in /proc/self/status")
	return 0
}

func TestGrowFDTable(t *testing.T) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	want := min(rl.Cur, fdTableRoom)
	if want < 1024 {
		t.Skipf("RLIMIT_NOFILE is %d: too low to grow the table", rl.Cur)
	}
	GrowFDTable()
	if got := fdSize(t); got < want {
		t.Fatalf("FDSize after GrowFDTable = %d, want at least %d", got, want)
	}
	// The slot it used is free again, and growing twice changes nothing.
	if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(want-1), syscall.F_GETFD, 0); errno != syscall.EBADF {
		t.Fatalf("descriptor %d after GrowFDTable: errno %v, want EBADF (closed again)", want-1, errno)
	}
	before := fdSize(t)
	GrowFDTable()
	if got := fdSize(t); got != before {
		t.Fatalf("FDSize changed on a second call: %d -> %d", before, got)
	}
}
