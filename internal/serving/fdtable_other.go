//go:build !linux

package serving

// GrowFDTable does nothing here: the descriptor table that grows by
// doubling under an RCU wait is Linux's.
func GrowFDTable() {}

// OpenFilesLimit is not looked up here.
func OpenFilesLimit() uint64 { return 0 }
