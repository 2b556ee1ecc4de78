// Command stalls reads a report that bench/load/measure.sh wrote with
// TIMELINE=1 and sets the load tool's late events beside its own stalls:
// the client's garbage collections (GODEBUG=gctrace=1 lines) and the
// doublings of its descriptor table (the timeline's own lines). It prints
// them in time order, then how many of the late events fell in a window
// after one of those stalls, which is lateness the client caused.
//
//	go run ./cmd/stalls REPORT...
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
)

// A stall of the client: a collection from its start until gcAfter past
// the end of its mark phase (the backlog it left takes a while to read), a
// table doubling from fdBefore before the connection was had (the wait is
// inside socket(2), before the dial returns) to fdAfter after it.
const (
	gcAfter  = 20.0 // ms
	fdBefore = 20.0 // ms
	fdAfter  = 10.0 // ms
)

type stall struct {
	from, to float64 // ms into the load phase
	what     string
}

type step struct {
	at          float64 // ms into the load phase (10 ms steps)
	events      int
	over20      int
	maxLateness float64
}

type timeline struct {
	startS float64 // load phase start, seconds after process start
	fdSize int
	stalls []stall
	steps  []step
}

var (
	startLine = regexp.MustCompile(`^timeline: load phase starts ([0-9.]+) s after process start; descriptor table (\d+) slots$`)
	stepLine  = regexp.MustCompile(`^timeline: \+(\d+) ms: (\d+) events, (\d+) over 20 ms late, max ([0-9.]+) ms$`)
	fdLine    = regexp.MustCompile(`^timeline: \+(-?\d+) ms: descriptor (\d+) opened, the table doubles$`)
	gcLine    = regexp.MustCompile(`^gc (\d+) @([0-9.]+)s [0-9]+%: [0-9.]+\+([0-9.]+)\+[0-9.]+ ms clock, .*?, (\d+->\d+->\d+ MB)`)
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: stalls REPORT... (reports of bench/load/measure.sh with TIMELINE=1)")
		os.Exit(2)
	}
	status := 0
	for _, path := range os.Args[1:] {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "stalls:", err)
			status = 1
			continue
		}
		tl, err := parse(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "stalls: %s: %v\n", path, err)
			status = 1
			continue
		}
		fmt.Printf("== %s\n", path)
		tl.print(os.Stdout)
	}
	os.Exit(status)
}

// parse reads a report. GC lines may come before the timeline's start
// line (they are printed as they happen); their times are made relative
// to the load phase once it is known.
func parse(r io.Reader) (*timeline, error) {
	tl := &timeline{startS: -1}
	type gc struct {
		n          string
		atS, markM float64
		heap       string
	}
	var gcs []gc
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := startLine.FindStringSubmatch(line); m != nil {
			tl.startS, _ = strconv.ParseFloat(m[1], 64)
			tl.fdSize, _ = strconv.Atoi(m[2])
		} else if m := stepLine.FindStringSubmatch(line); m != nil {
			var s step
			s.at, _ = strconv.ParseFloat(m[1], 64)
			s.events, _ = strconv.Atoi(m[2])
			s.over20, _ = strconv.Atoi(m[3])
			s.maxLateness, _ = strconv.ParseFloat(m[4], 64)
			tl.steps = append(tl.steps, s)
		} else if m := fdLine.FindStringSubmatch(line); m != nil {
			at, _ := strconv.ParseFloat(m[1], 64)
			tl.stalls = append(tl.stalls, stall{at - fdBefore, at + fdAfter, "descriptor table doubles at descriptor " + m[2]})
		} else if m := gcLine.FindStringSubmatch(line); m != nil {
			var g gc
			g.n, g.heap = m[1], m[4]
			g.atS, _ = strconv.ParseFloat(m[2], 64)
			g.markM, _ = strconv.ParseFloat(m[3], 64)
			gcs = append(gcs, g)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if tl.startS < 0 {
		return nil, fmt.Errorf("no timeline in the report: run bench/load/measure.sh with TIMELINE=1")
	}
	for _, g := range gcs {
		at := (g.atS - tl.startS) * 1000
		tl.stalls = append(tl.stalls, stall{at, at + g.markM + gcAfter,
			fmt.Sprintf("client GC %s: mark %.1f ms, heap %s", g.n, g.markM, g.heap)})
	}
	slices.SortFunc(tl.stalls, func(a, b stall) int { return cmpFloat(a.from, b.from) })
	return tl, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// during reports whether the late events of a step were due during a
// stall: an event that arrived in the step, late by at most the step's
// maximum, was due between at-maxLateness and at+10 ms.
func (tl *timeline) during(s step) bool {
	for _, st := range tl.stalls {
		if s.at+10 > st.from && s.at-s.maxLateness < st.to {
			return true
		}
	}
	return false
}

func (tl *timeline) print(w io.Writer) {
	fmt.Fprintf(w, "descriptor table at the start: %d slots\n", tl.fdSize)
	i, j := 0, 0
	for i < len(tl.stalls) || j < len(tl.steps) {
		if j == len(tl.steps) || (i < len(tl.stalls) && tl.stalls[i].from <= tl.steps[j].at) {
			s := tl.stalls[i]
			fmt.Fprintf(w, "%+6.0f ms  %s\n", s.from, s.what)
			i++
			continue
		}
		s := tl.steps[j]
		fmt.Fprintf(w, "%+6.0f ms      late: %d events, %d over 20 ms, max %.1f ms\n", s.at, s.events, s.over20, s.maxLateness)
		j++
	}
	var steps, stepsIn, over, overIn int
	for _, s := range tl.steps {
		steps++
		over += s.over20
		if tl.during(s) {
			stepsIn++
			overIn += s.over20
		}
	}
	fmt.Fprintf(w, "10 ms steps with an event over 10 ms late: %d, of them during a client stall: %d\n", steps, stepsIn)
	fmt.Fprintf(w, "events over 20 ms late: %d, of them during a client stall: %d (%s)\n", over, overIn, percent(overIn, over))
	fmt.Fprintf(w, "(late events count as during a stall when they were due in it: a collection from its start to %.0f ms after its mark phase, a table doubling from %.0f ms before to %.0f ms after the connection that caused it)\n",
		gcAfter, fdBefore, fdAfter)
}

func percent(a, b int) string {
	if b == 0 {
		return "-"
	}
	return strconv.FormatFloat(100*float64(a)/float64(b), 'f', 0, 64) + "%"
}
