package sendring

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// testRing is a ring, or the test is skipped where the kernel (or a
// seccomp profile) refuses io_uring.
func testRing(t *testing.T) *Ring {
	t.Helper()
	r, err := New(64)
	if err != nil {
		t.Skipf("no io_uring here: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// socketPair is a loopback TCP connection: the server's end as a raw,
// non-blocking descriptor (as a replay scheduler writes to it), the
// client's as a conn to read.
func socketPair(t *testing.T) (fd uintptr, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	raw, err := server.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Control(func(f uintptr) { fd = f }); err != nil {
		t.Fatal(err)
	}
	return fd, client
}

// One call sends to every socket: each gets its bytes, whole, and a send to
// a descriptor that is not open fails alone.
func TestSendRingSendsEachToItsSocket(t *testing.T) {
	r := testRing(t)
	var sends []Send
	var clients []net.Conn
	for i := range 3 {
		fd, client := socketPair(t)
		clients = append(clients, client)
		sends = append(sends, Send{FD: fd, B: bytes.Repeat([]byte{'a' + byte(i)}, 1000*(i+1))})
	}
	sends = append(sends, Send{FD: ^uintptr(0), B: []byte("nowhere")}) // fd -1
	if err := r.SendAll(sends); err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		if sends[i].Err != nil || sends[i].N != len(sends[i].B) {
			t.Fatalf("send %d: n %d, err %v; want all %d bytes", i, sends[i].N, sends[i].Err, len(sends[i].B))
		}
		got := make([]byte, len(sends[i].B))
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, sends[i].B) {
			t.Fatalf("client %d read %q, %v; want %d bytes of %q", i, got[:min(len(got), 20)], err, len(sends[i].B), sends[i].B[:1])
		}
	}
	if !errors.Is(sends[3].Err, syscall.EBADF) {
		t.Fatalf("the send to fd -1: n %d, err %v; want EBADF", sends[3].N, sends[3].Err)
	}
	// The ring is reusable: a second round after the first.
	sends = sends[:1]
	sends[0] = Send{FD: sends[0].FD, B: []byte("again")}
	if err := r.SendAll(sends); err != nil || sends[0].N != 5 {
		t.Fatalf("second round: n %d, err %v, ring err %v", sends[0].N, sends[0].Err, err)
	}
}

// A socket whose client does not read fills up: the ring never waits for
// it, and reports what writeAll would (n short of the message, no error),
// then nothing taken.
func TestSendRingDoesNotWaitForAFullSocket(t *testing.T) {
	r := testRing(t)
	fd, _ := socketPair(t)
	if err := syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096); err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, 256<<10)
	short, full := false, false
	for range 1000 { // the client's receive buffer grows to a few MiB at most
		s := []Send{{FD: fd, B: msg}}
		if err := r.SendAll(s); err != nil || s[0].Err != nil {
			t.Fatalf("ring err %v, send err %v", err, s[0].Err)
		}
		short = short || s[0].N < len(msg)
		if s[0].N == 0 {
			full = true
			break
		}
	}
	if !short || !full {
		t.Fatalf("256 MiB to a client that reads nothing: a short send %v, one that took nothing %v; want both", short, full)
	}
}

// A client that reset its connection: the send fails with the socket's
// error, as send(2) would, and no signal is raised (MSG_NOSIGNAL).
func TestSendRingReportsAResetConnection(t *testing.T) {
	r := testRing(t)
	fd, client := socketPair(t)
	_ = client.(*net.TCPConn).SetLinger(0)
	client.Close()
	var err error
	for range 100 { // the reset arrives at once on loopback; a few tries at most
		s := []Send{{FD: fd, B: []byte("data: x\n\n")}}
		if rerr := r.SendAll(s); rerr != nil {
			t.Fatal(rerr)
		}
		if err = s[0].Err; err != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("send after the client's reset: %v, want ECONNRESET or EPIPE", err)
	}
}

// When the ring itself fails, nothing was sent and the sends are taken
// back, so the caller can make them itself.
func TestSendRingFailureTakesTheSendsBack(t *testing.T) {
	r := testRing(t)
	fd, client := socketPair(t)
	if err := r.Break(); err != nil {
		t.Fatal(err)
	}
	tail := *r.sqTail
	s := []Send{{FD: fd, B: []byte("data: x\n\n")}}
	if err := r.SendAll(s); err == nil {
		t.Fatal("a broken ring sent")
	}
	if *r.sqTail != tail {
		t.Fatalf("the submission queue's tail moved from %d to %d: the sends were left in the ring", tail, *r.sqTail)
	}
	_ = client.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _ := client.Read(make([]byte, 16)); n != 0 {
		t.Fatalf("the client read %d bytes from a ring that failed", n)
	}
}

// More sends than the ring takes are refused whole, and the ring still
// works after.
func TestSendRingRefusesMoreThanItTakes(t *testing.T) {
	r := testRing(t)
	fd, client := socketPair(t)
	sends := make([]Send, r.Capacity()+1)
	for i := range sends {
		sends[i] = Send{FD: fd, B: []byte("x")}
	}
	if err := r.SendAll(sends); !errors.Is(err, ErrTooMany) {
		t.Fatalf("%d sends to a ring of %d: %v, want ErrTooMany", len(sends), r.Capacity(), err)
	}
	one := []Send{{FD: fd, B: []byte("y")}}
	if err := r.SendAll(one); err != nil || one[0].N != 1 {
		t.Fatalf("a send after the refusal: n %d, err %v, ring err %v", one[0].N, one[0].Err, err)
	}
	got := make([]byte, 1)
	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(client, got); err != nil || string(got) != "y" {
		t.Fatalf("the client read %q, %v; want only the send after the refusal, y", got, err)
	}
}
