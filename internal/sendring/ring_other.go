//go:build !linux

package sendring

import "errors"

// Ring is Linux's io_uring (ring_linux.go); elsewhere there is none.
type Ring struct{}

// New says there is no ring here.
func New(uint32) (*Ring, error) { return nil, errors.ErrUnsupported }

// Capacity, Break, SendAll and Close are never called: New gives no ring.
func (*Ring) Capacity() int        { return 0 }
func (*Ring) Break() error         { return errors.ErrUnsupported }
func (*Ring) SendAll([]Send) error { return errors.ErrUnsupported }
func (*Ring) Close()               {}
