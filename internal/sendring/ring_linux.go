package sendring

import (
	"errors"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Ring is one io_uring, used by one goroutine at a time.
type Ring struct {
	fd      int
	entries uint32
	// The shared rings, mapped from the kernel.
	ringMem, sqeMem []byte
	sqHead, sqTail  *uint32
	sqMask          uint32
	sqArray         []uint32
	sqes            []ioSQE
	cqHead, cqTail  *uint32
	cqMask          uint32
	cqes            []ioCQE
}

// The io_uring ABI (include/uapi/linux/io_uring.h).
const (
	sysIOUringSetup = 425
	sysIOUringEnter = 426

	setupSubmitAll = 1 << 7 // a failed submission does not stop the rest (5.18)
	featSingleMmap = 1 << 0
	enterGetEvents = 1 << 0
	opSend         = 26
	offSQRing      = 0
	offSQEs        = 0x10000000
)

type ioSQRingOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	resv2                                                           uint64
}

type ioCQRingOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	resv2                                                           uint64
}

type ioUringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sqOff                                                                  ioSQRingOffsets
	cqOff                                                                  ioCQRingOffsets
}

// ioSQE is struct io_uring_sqe, as a send uses it.
type ioSQE struct {
	opcode   uint8
	flags    uint8
	ioprio   uint16
	fd       int32
	off      uint64
	addr     uint64
	len      uint32
	msgFlags uint32
	userData uint64
	bufIndex uint16
	pers     uint16
	fileIdx  int32
	addr3    uint64
	pad      uint64
}

// ioCQE is struct io_uring_cqe.
type ioCQE struct {
	userData uint64
	res      int32
	flags    uint32
}

// New sets up a ring that takes entries sends at a time (rounded up to a
// power of two), or returns an error saying why it cannot: ENOSYS or EPERM
// where io_uring is missing or forbidden, EINVAL on a kernel before 5.18.
func New(entries uint32) (*Ring, error) {
	var p ioUringParams
	p.flags = setupSubmitAll
	fd, _, errno := syscall.Syscall(sysIOUringSetup, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, errno
	}
	r := &Ring{fd: int(fd), entries: p.sqEntries}
	if p.features&featSingleMmap == 0 { // before 5.4: not worth a second mapping
		r.Close()
		return nil, errors.New("io_uring without IORING_FEAT_SINGLE_MMAP")
	}
	size := max(p.sqOff.array+p.sqEntries*4, p.cqOff.cqes+p.cqEntries*uint32(unsafe.Sizeof(ioCQE{})))
	var err error
	r.ringMem, err = syscall.Mmap(r.fd, offSQRing, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		r.Close()
		return nil, err
	}
	r.sqeMem, err = syscall.Mmap(r.fd, offSQEs, int(p.sqEntries)*int(unsafe.Sizeof(ioSQE{})), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		r.Close()
		return nil, err
	}
	base := unsafe.Pointer(&r.ringMem[0])
	r.sqHead = (*uint32)(unsafe.Add(base, p.sqOff.head))
	r.sqTail = (*uint32)(unsafe.Add(base, p.sqOff.tail))
	r.sqMask = *(*uint32)(unsafe.Add(base, p.sqOff.ringMask))
	r.sqArray = unsafe.Slice((*uint32)(unsafe.Add(base, p.sqOff.array)), p.sqEntries)
	r.sqes = unsafe.Slice((*ioSQE)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	r.cqHead = (*uint32)(unsafe.Add(base, p.cqOff.head))
	r.cqTail = (*uint32)(unsafe.Add(base, p.cqOff.tail))
	r.cqMask = *(*uint32)(unsafe.Add(base, p.cqOff.ringMask))
	r.cqes = unsafe.Slice((*ioCQE)(unsafe.Add(base, p.cqOff.cqes)), p.cqEntries)
	return r, nil
}

// Capacity is how many sends one call of SendAll takes.
func (r *Ring) Capacity() int { return int(r.entries) }

// Break makes the ring fail from the next SendAll on, as a kernel error
// would, for tests of a caller's fallback: /dev/null takes the ring's
// descriptor, which stays open (so Close closes no one else's).
func (r *Ring) Break() error {
	null, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(null)
	return syscall.Dup3(null, r.fd, syscall.O_CLOEXEC)
}

// SendAll sends each of sends (at most Capacity) to its socket without
// waiting for any, in order, and sets its N and Err. It returns once every
// send has completed, so that their buffers may be reused. An error means
// the ring itself failed: nothing was sent (the caller may send them
// itself), or, with ErrBroken, some were and which is unknown. Either way
// the ring is of no more use.
func (r *Ring) SendAll(sends []Send) error {
	if len(sends) > int(r.entries) {
		return ErrTooMany
	}
	n := uint32(len(sends))
	tail := *r.sqTail
	for i := range sends {
		s := &sends[i]
		k := (tail + uint32(i)) & r.sqMask
		r.sqes[k] = ioSQE{
			opcode:   opSend,
			fd:       int32(s.FD),
			addr:     uint64(uintptr(unsafe.Pointer(unsafe.SliceData(s.B)))),
			len:      uint32(len(s.B)),
			msgFlags: syscall.MSG_NOSIGNAL | syscall.MSG_DONTWAIT,
			userData: uint64(i),
		}
		r.sqArray[k] = k
	}
	atomic.StoreUint32(r.sqTail, tail+n)
	// Submitting makes the sends: each is tried at once, and with
	// MSG_DONTWAIT one the socket cannot take completes with EAGAIN rather
	// than waiting, so this does not block: a raw system call, which the Go
	// scheduler does not prepare to hand its P off for.
	got, _, errno := syscall.RawSyscall6(sysIOUringEnter, uintptr(r.fd), uintptr(n), 0, 0, 0, 0)
	if errno != 0 {
		// The kernel takes none when it fails: withdraw them.
		atomic.StoreUint32(r.sqTail, tail)
		return errno
	}
	if uint32(got) != n {
		// Not all taken (SUBMIT_ALL says it takes all): wait for those
		// that were, so that their buffers are free, and give up.
		r.wait(uint32(got))
		return ErrBroken
	}
	done := r.reap(sends, 0)
	if done < n {
		// A send the kernel chose to finish later (it does not for a
		// socket with MSG_DONTWAIT, but it may): wait for it, letting the
		// Go scheduler run others meanwhile.
		for done < n {
			_, _, errno := syscall.Syscall6(sysIOUringEnter, uintptr(r.fd), 0, uintptr(n-done), enterGetEvents, 0, 0)
			if errno != 0 && errno != syscall.EINTR {
				return ErrBroken
			}
			done = r.reap(sends, done)
		}
	}
	return nil
}

// reap reads the completions there are into sends and returns how many
// have completed, counting from done.
func (r *Ring) reap(sends []Send, done uint32) uint32 {
	head := *r.cqHead
	tail := atomic.LoadUint32(r.cqTail)
	for ; head != tail; head++ {
		c := &r.cqes[head&r.cqMask]
		if c.userData < uint64(len(sends)) {
			sends[c.userData].complete(c.res)
		}
		done++
	}
	atomic.StoreUint32(r.cqHead, head)
	return done
}

// wait waits for n completions, which it drops.
func (r *Ring) wait(n uint32) {
	for n > 0 {
		_, _, errno := syscall.Syscall6(sysIOUringEnter, uintptr(r.fd), 0, uintptr(n), enterGetEvents, 0, 0)
		if errno != 0 && errno != syscall.EINTR {
			return
		}
		head := *r.cqHead
		tail := atomic.LoadUint32(r.cqTail)
		n -= min(n, tail-head)
		atomic.StoreUint32(r.cqHead, tail)
	}
}

// complete sets a send's result from its completion's res.
func (s *Send) complete(res int32) {
	switch {
	case res >= 0:
		s.N, s.Err = int(res), nil
	case syscall.Errno(-res) == syscall.EAGAIN || syscall.Errno(-res) == syscall.EINTR:
		s.N, s.Err = 0, nil // the socket is full
	default:
		s.N, s.Err = 0, syscall.Errno(-res)
	}
}

// Close unmaps the ring and closes its descriptor.
func (r *Ring) Close() {
	if r.sqeMem != nil {
		_ = syscall.Munmap(r.sqeMem)
	}
	if r.ringMem != nil {
		_ = syscall.Munmap(r.ringMem)
	}
	_ = syscall.Close(r.fd)
}
