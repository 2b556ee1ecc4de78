package serving

import "syscall"

// fdTableRoom is how many descriptors GrowFDTable makes room for.
const fdTableRoom = 32 << 10

// GrowFDTable makes the kernel's descriptor table for this process room for
// fdTableRoom descriptors (or the RLIMIT_NOFILE soft limit, which Go raises
// to the hard one at start, when that is lower) before the server accepts
// anything. The table starts small (64 or 256 slots) and doubles when a new
// descriptor does not fit; in a process with several threads each doubling waits for
// an RCU grace period, 6 to 16 ms on the test machine, and the accept that
// caused it waits with it, so connections 256, 512, 1024, ... would each
// hold up every connection queued behind them (docs/benchmarks.md). Doing
// it once here costs 8 bytes of kernel memory per slot (256 KiB) and
// nothing in the process's own memory. It dups a descriptor to the top
// slot and closes it again; a slot already in use is left alone.
func GrowFDTable() {
	room := min(OpenFilesLimit(), fdTableRoom) // 0: the limit is unknown
	if room < 1024 {
		return
	}
	top := room - 1
	if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(top), syscall.F_GETFD, 0); errno == 0 {
		return // in use: the table is that large already
	}
	fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer syscall.Close(fd)
	if syscall.Dup3(fd, int(top), syscall.O_CLOEXEC) == nil {
		syscall.Close(int(top))
	}
}

// OpenFilesLimit is the RLIMIT_NOFILE soft limit, or 0 when unknown.
func OpenFilesLimit() uint64 {
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) != nil {
		return 0
	}
	return rl.Cur
}
