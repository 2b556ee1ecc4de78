//go:build !linux

package sendring

import "errors"

// Ring is Linux's io_uring (ring_linux.go); elsewhere there is none.
type Ring struct{}

// New says there is no ring here.
func New(uint32) (*Ring, error) { return nil, errors.ErrUnsupported }

// Capacity, Fd, SendAll and Close are never called: New gives no ring.
func (*Ring) Capacity() int        { return 0 }
func (*Ring) Fd() int              { return -1 }
func (*Ring) SendAll([]Send) error { return errors.ErrUnsupported }
func (*Ring) Close()               {}
