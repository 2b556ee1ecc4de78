package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A report as measure.sh TIMELINE=1 leaves it: the tool's lines, the
// runtime's gctrace lines as they happened, then the timeline.
const report = `load: GET http://127.0.0.1:18085/  n=5000 ramp=2s
gc 1 @2.155s 0%: 0.020+5.1+0.003 ms clock, 0.020+1.6/1.5/0+0.003 ms cpu, 3->3->2 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 1 P
gc 5 @2.863s 1%: 0.046+45+0.003 ms clock, 0.046+14/12/0+0.003 ms cpu, 38->40->34 MB, 42 MB goal, 7 MB stacks, 0 MB globals, 1 P
lateness ms: p50 -0.73  p90 2.91  p99 23.47  max 36.43
{"n":5000}
timeline: load phase starts 2.105000 s after process start; descriptor table 64 slots
timeline: +800 ms: 546 events, 509 over 20 ms late, max 36.4 ms
timeline: +830 ms: 640 events, 500 over 20 ms late, max 30.0 ms
timeline: +1200 ms: 300 events, 7 over 20 ms late, max 21.0 ms
timeline: +1500 ms: 200 events, 40 over 20 ms late, max 25.0 ms
timeline: +1490 ms: descriptor 2048 opened, the table doubles
`

func TestParseAndAttribute(t *testing.T) {
	tl, err := parse(strings.NewReader(report))
	if err != nil {
		t.Fatal(err)
	}
	if tl.fdSize != 64 || len(tl.steps) != 4 || len(tl.stalls) != 3 {
		t.Fatalf("fdSize %d, %d steps, %d stalls", tl.fdSize, len(tl.steps), len(tl.stalls))
	}
	// GC 5 started 758 ms into the load phase; its window runs past the
	// 45 ms mark phase by gcAfter.
	gc5 := tl.stalls[1]
	if gc5.from < 757.9 || gc5.from > 758.1 || gc5.to < 822.9 || gc5.to > 823.1 || !strings.Contains(gc5.what, "client GC 5: mark 45.0 ms, heap 38->40->34 MB") {
		t.Errorf("GC 5 stall = %+v", gc5)
	}
	// Late events count as during a stall when they were due in it. At
	// 800 and 830 ms they were due from 763.6 and 800 ms, in GC 5's window
	// (758 to 823 ms); at 1500 ms from 1475 ms, in the doubling's (1470 to
	// 1500 ms). At 1200 ms they were due from 1179 ms: no stall.
	want := map[float64]bool{800: true, 830: true, 1200: false, 1500: true}
	for _, s := range tl.steps {
		if got := tl.during(s); got != want[s.at] {
			t.Errorf("during(step at +%v ms, max %v ms) = %v, want %v", s.at, s.maxLateness, got, want[s.at])
		}
	}
	// Later than its window plus its lateness: not during.
	if tl.during(step{at: 900, maxLateness: 30}) {
		t.Error("a step due from 870 ms counted as during GC 5 (to 823 ms)")
	}
	var out strings.Builder
	tl.print(&out)
	for _, want := range []string{
		"events over 20 ms late: 1056, of them during a client stall: 1049 (99%)",
		"10 ms steps with an event over 10 ms late: 4, of them during a client stall: 3",
		"descriptor table doubles at descriptor 2048",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// Time order: GC 5 (758 ms) before the step at 800 ms, the doubling's
	// window (1470 ms) before the step at 1500 ms.
	o := out.String()
	if strings.Index(o, "client GC 5") > strings.Index(o, "+800 ms") || strings.Index(o, "doubles") > strings.Index(o, "+1500 ms") {
		t.Errorf("not in time order:\n%s", o)
	}
}

func TestParseWithoutTimeline(t *testing.T) {
	_, err := parse(strings.NewReader("lateness ms: p50 1\n{\"n\":5}\n"))
	if err == nil || !strings.Contains(err.Error(), "TIMELINE=1") {
		t.Errorf("err = %v, want one that says to run with TIMELINE=1", err)
	}
}

// TestTimelineLoadTool builds the load tool of ../shared/load with the
// timeline added (bench/load/timeline/build.sh, as measure.sh TIMELINE=1
// does) and runs it against a small stream: its report must hold the
// timeline, and parse must read it.
func TestTimelineLoadTool(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the load tool")
	}
	loadDir, _ := filepath.Abs("../../../../shared/load")
	if _, err := os.Stat(filepath.Join(loadDir, "main.go")); err != nil {
		t.Skip("no ../shared/load beside the checkout:", err)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash:", err)
	}
	bin := filepath.Join(t.TempDir(), "load")
	build := exec.Command("bash", "../../load/timeline/build.sh", loadDir, bin)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			if i > 0 {
				time.Sleep(20 * time.Millisecond)
			}
			fmt.Fprintf(w, "event: tick\ndata: %d\n\n", i)
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	run := exec.Command(bin, "-url", srv.URL+"/", "-n", "4", "-ramp", "50ms", "-timeout", "10s", "-q")
	run.Env = append(os.Environ(), "GODEBUG=gctrace=1")
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "streams: 4 ok, 0 failed") {
		t.Errorf("the patched load tool did not measure 4 good streams:\n%s", out)
	}
	tl, err := parse(strings.NewReader(string(out)))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, out)
	}
	if tl.fdSize <= 0 {
		t.Errorf("descriptor table size %d, want the one the tool read at the start", tl.fdSize)
	}
}
