package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	report := func(p99, cpu float64) string {
		return "streams: ...\n" + `{"n":5000,"failed":1,"events_received":100000,"client_cpu_s":1.5,` +
			`"lateness_ms":{"p50":0.1,"p99":` + num(p99) + `,"max":40},"client_lag_ms":{"p99":1.2,"max":20},` +
			`"server":{"cpu_s":` + num(cpu) + `,"rss_per_stream_kib":6.5}}` + "\n"
	}
	write("ssetape-n5000-r1.txt", report(30, 1.2))
	write("ssetape-n5000-r2.txt", report(10, 1.0))
	write("ssetape-n5000-r3.txt", report(20, 1.4))
	for i, p := range []string{"2.0", "9.5", "3.1"} {
		write("ssetape-n5000-r"+string(rune('1'+i))+".server.log",
			"ssetape replay: 100040 writes, late against their schedule by p50 1.1 ms, p99 "+p+" ms, max 12.0 ms\n")
	}
	write("plaingo-n5000-r1.txt", report(50, 1.8))
	write("ssetape-quiet-n5000-r1.txt", report(3, 1.1))
	write("plaingo-quiet-n5000-r1.txt", report(20, 2.2))

	runs, err := loadRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := summarize(&out, runs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
	plain, tape := strings.Fields(lines[1]), lines[2]
	if plain[1] != "default" || plain[2] != "plaingo" || plain[4] != "50" || plain[5] != "-" || plain[7] != "18" || plain[8] != "-" {
		t.Errorf("plain Go row: %q", lines[1])
	}
	for _, want := range []string{"default  ssetape", "20 (30, 10, 20)", "3.10 (2, 9.50, 3.10)", "12 (12, 10, 14)", "0.67x", "1 (1, 1, 1)"} {
		if !strings.Contains(tape, want) {
			t.Errorf("ssetape row lacks %q: %q", want, tape)
		}
	}
	// The quiet client's runs are their own rows, set against plain Go's
	// quiet runs.
	quietPlain, quietTape := strings.Fields(lines[3]), strings.Fields(lines[4])
	if quietPlain[1] != "quiet" || quietPlain[2] != "plaingo" || quietPlain[4] != "20" {
		t.Errorf("quiet plain Go row: %q", lines[3])
	}
	if quietTape[1] != "quiet" || quietTape[2] != "ssetape" || quietTape[4] != "3" || quietTape[8] != "0.50x" {
		t.Errorf("quiet ssetape row: %q", lines[4])
	}
}

func TestReadRunWithoutSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssetape-n10-r1.txt")
	if err := os.WriteFile(path, []byte("load: connection refused\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readRun(path); err == nil || !strings.Contains(err.Error(), "no JSON summary") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadRunsEmptyDir(t *testing.T) {
	if _, err := loadRuns(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no reports") {
		t.Errorf("err = %v", err)
	}
}
