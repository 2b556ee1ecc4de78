// Command loadsummary reads the reports bench/load/measure.sh wrote and
// prints, for each N, client mode and server, the median of the runs and
// each run's figures: p99 lateness at the client, the server's own p99 write
// lateness (ssetape prints it when it stops), failures, CPU per event and
// its ratio to plain Go's (same N and client mode), memory per open stream,
// and the load generator's own figures (its CPU and lag), so that lateness
// the client caused is not counted against the server.
//
//	go run ./cmd/loadsummary DIR
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

type report struct {
	N              int     `json:"n"`
	Failed         int     `json:"failed"`
	EventsReceived int     `json:"events_received"`
	WallS          float64 `json:"wall_s"`
	ClientCPUS     float64 `json:"client_cpu_s"`
	Lateness       struct {
		P50, P99, Max float64
	} `json:"lateness_ms"`
	ClientLag struct {
		P99, Max float64
	} `json:"client_lag_ms"`
	Server struct {
		CPUS          float64 `json:"cpu_s"`
		RSSPerStreamK float64 `json:"rss_per_stream_kib"`
	} `json:"server"`
}

type run struct {
	rep       report
	serverP99 float64 // -1: not reported
}

var pacingLine = regexp.MustCompile(`late against their schedule by p50 [0-9.]+ ms, p99 ([0-9.]+) ms`)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: loadsummary DIR (the OUT of bench/load/measure.sh)")
		os.Exit(2)
	}
	runs, err := loadRuns(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadsummary:", err)
		os.Exit(1)
	}
	if err := summarize(os.Stdout, runs); err != nil {
		fmt.Fprintln(os.Stderr, "loadsummary:", err)
		os.Exit(1)
	}
}

// loadRuns reads every report in dir (PEER-nN-rR.txt or, for a client
// mode other than the default, PEER-MODE-nN-rR.txt, with .server.log
// beside it) and groups the runs by N, client mode and server.
func loadRuns(dir string) (map[key][]run, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*-n*-r*.txt"))
	if len(files) == 0 {
		return nil, fmt.Errorf("no reports (*-nN-rR.txt) in %s", dir)
	}
	runs := map[key][]run{}
	for _, f := range files {
		name, _, _ := strings.Cut(filepath.Base(f), "-n")
		peer, client, ok := strings.Cut(name, "-")
		if !ok {
			client = "default"
		}
		r, err := readRun(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		k := key{r.rep.N, client, peer}
		runs[k] = append(runs[k], r)
	}
	return runs, nil
}

type key struct {
	n      int
	client string
	peer   string
}

// summarize writes one row per N, client mode and server: the median of
// the runs, then every run in brackets.
func summarize(w io.Writer, runs map[key][]run) error {
	keys := make([]key, 0, len(runs))
	for k := range runs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.n != b.n {
			return a.n - b.n
		}
		if c := strings.Compare(a.client, b.client); c != 0 {
			return c
		}
		return strings.Compare(a.peer, b.peer)
	})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "N\tclient\tserver\truns\tp99 ms (client)\tp99 ms (server's own)\tfailed\tCPU us/event\tCPU x plain Go\tCPU x floor\tKiB/open stream\tclient CPU s\tclient lag p99 ms\tclient lag max ms")
	cpu := func(r run) float64 { return 1e6 * r.rep.Server.CPUS / float64(max(r.rep.EventsReceived, 1)) }
	for _, k := range keys {
		rs := runs[k]
		col := func(f func(run) float64) string {
			var v []float64
			for _, r := range rs {
				v = append(v, f(r))
			}
			return fmtRuns(v)
		}
		ratio := "-"
		if plain, ok := runs[key{k.n, k.client, "plaingo"}]; ok && k.peer != "plaingo" {
			ratio = num(median(rs, cpu)/median(plain, cpu)) + "x"
		}
		floorRatio := "-"
		if floor, ok := runs[key{k.n, k.client, "floor"}]; ok && k.peer != "floor" {
			floorRatio = num(median(rs, cpu)/median(floor, cpu)) + "x"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.n, k.client, k.peer, len(rs),
			col(func(r run) float64 { return r.rep.Lateness.P99 }),
			col(func(r run) float64 { return r.serverP99 }),
			col(func(r run) float64 { return float64(r.rep.Failed) }),
			col(cpu), ratio, floorRatio,
			col(func(r run) float64 { return r.rep.Server.RSSPerStreamK }),
			col(func(r run) float64 { return r.rep.ClientCPUS }),
			col(func(r run) float64 { return r.rep.ClientLag.P99 }),
			col(func(r run) float64 { return r.rep.ClientLag.Max }))
	}
	return tw.Flush()
}

// readRun reads a report (its last line is the JSON summary) and the
// server's own p99 from the server log beside it.
func readRun(path string) (run, error) {
	r := run{serverP99: -1}
	f, err := os.Open(path)
	if err != nil {
		return r, err
	}
	defer f.Close()
	var last string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "{") {
			last = sc.Text()
		}
	}
	if last == "" {
		return r, fmt.Errorf("no JSON summary line (did the load tool run?)")
	}
	if err := json.Unmarshal([]byte(last), &r.rep); err != nil {
		return r, err
	}
	if b, err := os.ReadFile(strings.TrimSuffix(path, ".txt") + ".server.log"); err == nil {
		if m := pacingLine.FindSubmatch(b); m != nil {
			r.serverP99, _ = strconv.ParseFloat(string(m[1]), 64)
		}
	}
	return r, nil
}

// median is the median of f over the runs.
func median(rs []run, f func(run) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	return medianOf(v)
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// fmtRuns is the median, then every run in brackets when there are
// several; "-" when no run has the figure.
func fmtRuns(v []float64) string {
	if slices.Contains(v, -1) {
		return "-"
	}
	med := medianOf(v)
	if len(v) == 1 {
		return num(med)
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = num(x)
	}
	return num(med) + " (" + strings.Join(parts, ", ") + ")"
}

// num prints a figure with three significant digits, without exponents.
func num(x float64) string {
	switch {
	case x >= 100 || x <= -100 || x == float64(int64(x)):
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10 || x <= -10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}
