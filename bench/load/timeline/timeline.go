//go:build ignore

// This file is not built here. bench/load/measure.sh (TIMELINE=1) copies
// it, without the build line above, into a copy of ../shared/load (which is
// read-only) and adds three calls to that copy's main.go: timelineStart at
// the start of the load phase, timelineEvent for each event with its
// lateness, timelineConn for each new connection. At the end the tool prints
// the timeline after its report; bench/cmd/stalls sets it beside the
// client's garbage collections (GODEBUG=gctrace=1) to show which late
// events were the client's own.

package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

var timelineProcStart = time.Now()

type timelineRec struct {
	at   time.Time
	late time.Duration
}

var timeline struct {
	sync.Mutex
	start  time.Time
	events []timelineRec
	fds    []timelineFD
	fdSize int // slots in the descriptor table at the start
	nextFD int // the next descriptor number that doubles the table
}

type timelineFD struct {
	at time.Time
	fd int
}

func timelineStart(t time.Time) {
	timeline.Lock()
	defer timeline.Unlock()
	timeline.start = t
	timeline.events = make([]timelineRec, 0, 1<<18)
	timeline.fdSize = procFDSize()
	timeline.nextFD = max(timeline.fdSize, 64)
}

func timelineEvent(at time.Time, late time.Duration) {
	timeline.Lock()
	timeline.events = append(timeline.events, timelineRec{at, late})
	timeline.Unlock()
}

// timelineConn notes a new connection whose descriptor does not fit the
// table as it was: the kernel doubled the table for it.
func timelineConn(c net.Conn) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	fd := -1
	_ = raw.Control(func(f uintptr) { fd = int(f) })
	now := time.Now()
	timeline.Lock()
	defer timeline.Unlock()
	for timeline.nextFD > 0 && fd >= timeline.nextFD {
		timeline.fds = append(timeline.fds, timelineFD{now, timeline.nextFD})
		timeline.nextFD *= 2
	}
}

func procFDSize() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "FDSize:"); ok {
			var n int
			fmt.Sscan(strings.TrimSpace(v), &n)
			return n
		}
	}
	return 0
}

// timelineDump prints, in 10 ms steps of the load phase, the steps where an
// event arrived more than 10 ms late, and when the table doubled.
func timelineDump(w io.Writer) {
	timeline.Lock()
	defer timeline.Unlock()
	t0 := timeline.start
	fmt.Fprintf(w, "timeline: load phase starts %.6f s after process start; descriptor table %d slots\n",
		t0.Sub(timelineProcStart).Seconds(), timeline.fdSize)
	type step struct {
		n, over20 int
		max       time.Duration
	}
	steps := map[int]*step{}
	last := 0
	for _, r := range timeline.events {
		i := int(r.at.Sub(t0) / (10 * time.Millisecond))
		s := steps[i]
		if s == nil {
			s = &step{}
			steps[i] = s
		}
		s.n++
		if r.late > 20*time.Millisecond {
			s.over20++
		}
		s.max = max(s.max, r.late)
		last = max(last, i)
	}
	for i := 0; i <= last; i++ {
		if s := steps[i]; s != nil && s.max > 10*time.Millisecond {
			fmt.Fprintf(w, "timeline: +%d ms: %d events, %d over 20 ms late, max %.1f ms\n",
				i*10, s.n, s.over20, float64(s.max)/1e6)
		}
	}
	for _, f := range timeline.fds {
		fmt.Fprintf(w, "timeline: +%d ms: descriptor %d opened, the table doubles\n", f.at.Sub(t0).Milliseconds(), f.fd)
	}
}
