//go:build !linux

package main

// growFDTable does nothing here: the descriptor table that grows by
// doubling under an RCU wait is Linux's.
func growFDTable() {}

// openFilesLimit is not looked up here.
func openFilesLimit() uint64 { return 0 }
