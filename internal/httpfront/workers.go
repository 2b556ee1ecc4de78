package httpfront

// The front serves connections on workers: goroutines that serve one
// connection after another. A connection the front accepts, or takes back
// after a stream, goes to an idle worker when there is one, and to a new
// one otherwise. A new goroutine starts with a small stack, and the replay
// handler's path outgrows it on every request, where the runtime copies
// the stack and adjusts each frame on it: about 2 % of the replay server's
// CPU at 5,000 streams (docs/benchmarks.md). A worker keeps the stack it
// grew.

// maxIdleWorkers is how many workers wait for a connection at most; a
// worker that finishes when that many wait ends. Enough for the streams
// that end within a millisecond or so under load, and a bounded cost when
// idle: a worker's stack is a few KiB.
const maxIdleWorkers = 128

// worker is an idle worker's inbox: the next connection to serve, or a
// task without one when the server shuts down. It holds at most one, and is
// written only under the server's lock by whoever took the worker off the
// idle list.
type worker chan task

// task is a connection for a worker: serveConn's arguments. It is passed by
// value, so that handing a connection over allocates nothing.
type task struct {
	fc    *conn
	rest  []byte
	fresh bool
}

// goServe serves a connection on a worker, counted for Shutdown; false,
// with the connection closed, once the server is shut down.
func (s *Server) goServe(fc *conn, rest []byte, fresh bool) bool {
	t := task{fc: fc, rest: rest, fresh: fresh}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = fc.c.Close()
		return false
	}
	if n := len(s.workers); n > 0 {
		w := s.workers[n-1]
		s.workers[n-1] = nil
		s.workers = s.workers[:n-1]
		w <- t // never blocks: an idle worker's inbox is empty
		s.mu.Unlock()
		return true
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go s.work(t)
	return true
}

// work serves t, then waits for the next connection while fewer than
// maxIdleWorkers wait, until the server shuts down.
func (s *Server) work(t task) {
	defer s.wg.Done()
	var inbox worker
	for t.fc != nil {
		s.serveConn(t.fc, t.rest, t.fresh)
		s.mu.Lock()
		if s.closed || len(s.workers) >= maxIdleWorkers {
			s.mu.Unlock()
			return
		}
		if inbox == nil {
			inbox = make(worker, 1)
		}
		s.workers = append(s.workers, inbox)
		s.mu.Unlock()
		t = <-inbox
	}
}

// stopWorkers ends the idle workers (Shutdown, under the server's lock).
func (s *Server) stopWorkers() {
	for _, w := range s.workers {
		w <- task{}
	}
	s.workers = nil
}
