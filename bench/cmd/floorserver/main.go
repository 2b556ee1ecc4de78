// Command floorserver is a yardstick, not a product: the least a server
// can do to serve the load workload (../shared/load), to show what one
// write to the socket per event costs on this machine. It reads a request up to its
// blank line without parsing it, answers every request with the workload
// (HTTP/1.1, chunked, one write per event, 50 ms apart, the first with the
// headers), keeps connections alive, and writes every stream from one
// goroutine that wakes once a millisecond, straight to the non-blocking
// socket as a raw system call (on Linux, as ssetape's schedulers do).
// No matching, no faults, no
// observer, no limits: do not serve anything with it.
//
// With -batch, a tick's writes go out in one system call (an io_uring of
// non-blocking sends, internal/sendring), as ssetape's schedulers send a
// pass's writes on Linux: the floor for a server that batches its writes.
//
// When it stops (SIGTERM or Ctrl-C) it prints how late its writes were, in
// the same words as ssetape replay, so bench/cmd/loadsummary reads both.
//
//	go run ./cmd/floorserver -sse ../../shared/load/workload/workload.sse -addr 127.0.0.1:18086
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/ssetape/ssetape/internal/sendring"
)

const (
	tick     = time.Millisecond
	interval = 50 * time.Millisecond
	slots    = 4096 // ticks the wheel holds: more than one interval
)

type stream struct {
	conn  *net.TCPConn
	fd    uintptr // written to directly, without blocking (see send)
	start time.Time
	next  int
	buf   []byte        // with -batch: the write queued for this tick
	late  time.Duration // with -batch: its lateness
}

type server struct {
	events [][]byte
	epoch  time.Time

	mu    sync.Mutex
	wheel [slots][]*stream
	cur   int64 // the next slot to run

	late []time.Duration // only the writer goroutine appends
	lmu  sync.Mutex

	ring  *sendring.Ring // -batch
	sends []sendring.Send
	queue []*stream
}

func main() {
	in := flag.String("sse", "../../shared/load/workload/workload.sse", "the workload stream")
	addr := flag.String("addr", "127.0.0.1:18086", "listen address (loopback only)")
	batch := flag.Bool("batch", false, "send each tick's writes in one system call (io_uring; Linux 5.18 or later)")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
		fmt.Fprintf(os.Stderr, "floorserver: -addr must be a loopback ip:port, got %q\n", *addr)
		os.Exit(2)
	}
	body, err := os.ReadFile(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floorserver:", err)
		os.Exit(1)
	}
	s := &server{epoch: time.Now()}
	if *batch {
		if s.ring, err = sendring.New(256); err != nil {
			fmt.Fprintln(os.Stderr, "floorserver: -batch: no io_uring here:", err)
			os.Exit(1)
		}
	}
	for _, e := range bytes.SplitAfter(body, []byte("\n\n")) {
		if len(e) > 0 {
			s.events = append(s.events, e)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floorserver:", err)
		os.Exit(1)
	}
	fmt.Printf("floorserver listening on http://%s pid %d (%d events, %v apart)\n", ln.Addr(), os.Getpid(), len(s.events), interval)
	go s.run()
	go s.accept(ln)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	<-stop
	s.lmu.Lock()
	late := slices.Clone(s.late)
	s.lmu.Unlock()
	slices.Sort(late)
	if n := len(late); n > 0 {
		ms := func(d time.Duration) float64 { return float64(max(d, 0)) / 1e6 }
		fmt.Printf("floorserver: %d writes, late against their schedule by p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
			n, ms(late[n/2]), ms(late[n*99/100]), ms(late[n-1]))
	}
}

// accept serves each connection ln accepts, until it is closed.
func (s *server) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go s.serve(c.(*net.TCPConn))
	}
}

// serve reads one request (up to its blank line; a body is not expected)
// and puts the stream on the wheel.
func (s *server) serve(c *net.TCPConn) {
	buf := make([]byte, 4096)
	n := 0
	for !bytes.Contains(buf[:n], []byte("\r\n\r\n")) {
		if n == len(buf) {
			c.Close()
			return
		}
		m, err := c.Read(buf[n:])
		if err != nil {
			c.Close()
			return
		}
		n += m
	}
	raw, err := c.SyscallConn()
	if err != nil {
		c.Close()
		return
	}
	var fd uintptr
	if raw.Control(func(f uintptr) { fd = f }) != nil {
		c.Close()
		return
	}
	s.add(&stream{conn: c, fd: fd, start: time.Now()}, time.Since(s.epoch))
}

func (s *server) add(st *stream, due time.Duration) {
	slot := int64((due + tick - 1) / tick) // never early
	s.mu.Lock()
	slot = max(slot, s.cur)
	s.wheel[slot%slots] = append(s.wheel[slot%slots], st)
	s.mu.Unlock()
}

// run wakes once a tick and writes every stream whose slot has come.
func (s *server) run() {
	var work []*stream
	var buf []byte
	for {
		now := time.Since(s.epoch)
		s.mu.Lock()
		for ; s.cur <= int64(now/tick); s.cur++ {
			i := s.cur % slots
			work = append(work, s.wheel[i]...)
			s.wheel[i] = s.wheel[i][:0]
		}
		s.mu.Unlock()
		for _, st := range work {
			if s.ring != nil {
				s.queueStep(st)
				continue
			}
			buf = s.step(st, buf)
		}
		s.sendQueued()
		work = work[:0]
		time.Sleep(time.Until(s.epoch.Add(time.Duration(s.cur) * tick)))
	}
}

func (s *server) step(st *stream, buf []byte) []byte {
	late := time.Since(st.start) - time.Duration(st.next)*interval
	buf = s.message(st, buf[:0])
	n, err := send(st.fd, buf)
	s.after(st, late, err != nil || n != len(buf))
	return buf
}

// after puts a stream back on the wheel after its write, or drops a
// client that does not keep up, or serves its next request.
func (s *server) after(st *stream, late time.Duration, dropped bool) {
	if dropped {
		st.conn.Close()
		return
	}
	s.lmu.Lock()
	s.late = append(s.late, late)
	s.lmu.Unlock()
	if st.next == len(s.events) {
		go s.serve(st.conn) // keep-alive: the next request
		return
	}
	s.add(st, st.start.Add(time.Duration(st.next)*interval).Sub(s.epoch))
}

// queueStep is step for -batch: the write is queued for sendQueued.
func (s *server) queueStep(st *stream) {
	if len(s.queue) == s.ring.Capacity() {
		s.sendQueued()
	}
	st.late = time.Since(st.start) - time.Duration(st.next)*interval
	st.buf = s.message(st, st.buf[:0])
	s.queue = append(s.queue, st)
	s.sends = append(s.sends, sendring.Send{FD: st.fd, B: st.buf})
}

// sendQueued sends the queued writes in one system call.
func (s *server) sendQueued() {
	if len(s.queue) == 0 {
		return
	}
	if err := s.ring.SendAll(s.sends); err != nil {
		fmt.Fprintln(os.Stderr, "floorserver:", err)
		os.Exit(1)
	}
	for i, st := range s.queue {
		s.after(st, st.late, s.sends[i].Err != nil || s.sends[i].N != len(st.buf))
		s.queue[i], s.sends[i] = nil, sendring.Send{}
	}
	s.queue, s.sends = s.queue[:0], s.sends[:0]
}

// message appends a stream's next write (the head with the first event,
// the end of the body with the last) to buf and moves the stream on.
func (s *server) message(st *stream, buf []byte) []byte {
	if st.next == 0 {
		buf = append(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"...)
	}
	e := s.events[st.next]
	buf = strconv.AppendInt(buf, int64(len(e)), 16)
	buf = append(buf, "\r\n"...)
	buf = append(buf, e...)
	buf = append(buf, "\r\n"...)
	st.next++
	if st.next == len(s.events) {
		buf = append(buf, "0\r\n\r\n"...)
	}
	return buf
}
