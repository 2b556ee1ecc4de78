// Command scale measures how ssetape's costs grow with the size of the
// work (issue 16, docs/benchmarks.md "Scale"): for each size it prints the
// time and the peak memory, and the ratio from one size to the next.
//
//	go run ./cmd/scale -ssetape /path/to/ssetape [-rows startup,record,proxy,assert,inspect] [-sizes 50000,100000,200000]
//
// Rows:
//   - startup: replay of one stream of N entries, one wire chunk each (as a
//     paced recording has): the time to serving (--ready-json), the RSS
//     once serving and the peak during the load, against the cassette's
//     size (target: RSS at most 8x the file plus 40 MB).
//   - record: ssetape record of that stream, served at --speed max: the
//     peak RSS against the cassette written (target: at most 4x plus 64 MB).
//   - proxy: the same through ssetape proxy: the peak, and the RSS a
//     second after the save (memory given back).
//   - many: replay of N short interactions (three events each, a JSON
//     request body to match): the same figures as startup. Use sizes such
//     as 2500,5000,10000.
//   - assert, inspect: a raw agent stream of N events from a file: the
//     peak RSS (target: bounded; 50 MB under 160 MB).
//
// Everything runs on 127.0.0.1. Memory is read from /proc (Linux).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ssetape/ssetape/cassette"
)

func main() {
	bin := flag.String("ssetape", "ssetape", "the ssetape binary to measure")
	rows := flag.String("rows", "startup,record,proxy,assert,inspect", "the rows to measure (and many)")
	sizes := flag.String("sizes", "50000,100000,200000", "the sizes (entries, or events for assert and inspect)")
	flag.Parse()
	dir, err := os.MkdirTemp("", "ssetape-scale-")
	check(err)
	defer os.RemoveAll(dir)
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		ns = append(ns, n)
	}
	want := map[string]bool{}
	for _, r := range strings.Split(*rows, ",") {
		want[strings.TrimSpace(r)] = true
	}
	fmt.Printf("| row | size | file MB | time s | x prev | peak RSS MB | RSS after MB | target MB |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, row := range []string{"startup", "many", "record", "proxy", "assert", "inspect"} {
		if !want[row] {
			continue
		}
		prev := 0.0
		for _, n := range ns {
			m := measure(*bin, dir, row, n)
			ratio := "-"
			if prev > 0 {
				ratio = fmt.Sprintf("%.2f", m.secs/prev)
			}
			prev = m.secs
			after := "-"
			if m.after > 0 {
				after = fmt.Sprintf("%.0f", m.after)
			}
			fmt.Printf("| %s | %d | %.1f | %.2f | %s | %.0f | %s | %s |\n", row, n, m.fileMB, m.secs, ratio, m.peak, after, m.target)
		}
	}
}

type result struct {
	fileMB, secs, peak, after float64
	target                    string
}

func measure(bin, dir, row string, n int) result {
	switch row {
	case "startup", "many":
		file := bigCassette(dir, n)
		if row == "many" {
			file = manyCassette(dir, n)
		}
		mb := sizeMB(file)
		start := time.Now()
		srv, _ := startReplay(bin, file)
		secs := time.Since(start).Seconds()
		time.Sleep(time.Second)
		rss, hwm := procMem(srv.Process.Pid)
		stop(srv)
		return result{fileMB: mb, secs: secs, peak: hwm, after: rss, target: fmt.Sprintf("%.0f (RSS after)", 8*mb+40)}
	case "record", "proxy":
		file := bigCassette(dir, n)
		srv, url := startReplay(bin, file, "--speed", "max")
		defer stop(srv)
		out := filepath.Join(dir, fmt.Sprintf("%s-%d.yaml", row, n))
		os.Remove(out)
		if row == "record" {
			secs, peak := timed(bin, "record", "-o", out, url+"/big")
			mb := sizeMB(out)
			return result{fileMB: mb, secs: secs, peak: peak, target: fmt.Sprintf("%.0f", 4*mb+64)}
		}
		px := exec.Command(bin, "proxy", "-q", "--upstream", url, "--listen", "127.0.0.1:0", "--ready-json", "-o", out)
		addr := readyURL(px)
		start := time.Now()
		resp, err := http.Get(addr + "/big")
		check(err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		for i := 0; i < 600 && sizeMB(out) == 0; i++ { // the save ends after the client's body
			time.Sleep(50 * time.Millisecond)
		}
		secs := time.Since(start).Seconds()
		time.Sleep(2 * time.Second)
		rss, hwm := procMem(px.Process.Pid)
		stop(px)
		mb := sizeMB(out)
		return result{fileMB: mb, secs: secs, peak: hwm, after: rss, target: fmt.Sprintf("%.0f", 4*mb+64)}
	default: // assert, inspect
		file := rawStream(dir, n)
		mb := sizeMB(file)
		args := []string{"assert", "--contract", "agent", file}
		if row == "inspect" {
			args = []string{"inspect", "--excerpt", "20", file}
		}
		secs, peak := timed(bin, args...)
		return result{fileMB: mb, secs: secs, peak: peak, target: "bounded"}
	}
}

// timed runs a command to its end under /usr/bin/time, and returns how
// long it took and its peak RSS in MB. (A child's own rusage would start
// from this process's: Linux keeps the peak across exec.)
func timed(bin string, args ...string) (float64, float64) {
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", bin}, args...)...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	_ = cmd.Run() // assert exits 1 when a rule breaks: the memory is what counts
	secs := time.Since(start).Seconds()
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	kb, err := strconv.ParseFloat(lines[len(lines)-1], 64)
	check(err)
	return secs, kb / 1024
}

// bigCassette writes a cassette of one stream of n agent events, each its
// own wire chunk 1 ms apart, as ssetape record writes a paced recording.
func bigCassette(dir string, n int) string {
	file := filepath.Join(dir, fmt.Sprintf("big-%d.yaml", n))
	if _, err := os.Stat(file); err == nil {
		return file
	}
	chunks := make([]cassette.Chunk, 0, n)
	for i := range n {
		data := fmt.Sprintf("event: text_delta\ndata: {\"type\":\"text_delta\",\"content\":\"token %d of the answer\"}\n\n", i)
		chunks = append(chunks, cassette.Chunk{At: time.Duration(i) * time.Millisecond, Data: []byte(data)})
	}
	it := &cassette.Interaction{Request: cassette.Request{Method: "GET", Path: "/big"},
		Response: cassette.Response{Status: 200, Headers: cassette.Headers{"Content-Type": {"text/event-stream"}}}}
	check(it.Response.SetChunks(chunks))
	check(cassette.WriteFile(file, &cassette.Cassette{Version: cassette.Version, Interactions: []*cassette.Interaction{it}}))
	return file
}

// manyCassette writes a cassette of n short interactions on one path,
// each matched by its JSON body, as a recorded test suite has.
func manyCassette(dir string, n int) string {
	file := filepath.Join(dir, fmt.Sprintf("many-%d.yaml", n))
	c := &cassette.Cassette{Version: cassette.Version}
	for i := range n {
		it := &cassette.Interaction{Request: cassette.Request{Method: "POST", Path: "/v1/chat/completions",
			Body: []byte(fmt.Sprintf(`{"model":"m","messages":[{"role":"user","content":"question %d"}]}`, i))},
			Response: cassette.Response{Status: 200, Headers: cassette.Headers{"Content-Type": {"text/event-stream"}}}}
		var chunks []cassette.Chunk
		for j, d := range []string{fmt.Sprintf("answer %d, part one", i), "part two", "[DONE]"} {
			chunks = append(chunks, cassette.Chunk{At: time.Duration(j+1) * 10 * time.Millisecond, Data: []byte("data: " + d + "\n\n")})
		}
		check(it.Response.SetChunks(chunks))
		c.Interactions = append(c.Interactions, it)
	}
	check(cassette.WriteFile(file, c))
	return file
}

// rawStream writes n agent events (tool calls and results, text, a final
// answer and done) as a raw .sse file.
func rawStream(dir string, n int) string {
	file := filepath.Join(dir, fmt.Sprintf("raw-%d.sse", n))
	f, err := os.Create(file)
	check(err)
	w := bufio.NewWriter(f)
	text := strings.Builder{}
	for i := range n - 2 {
		switch i % 10 {
		case 0:
			fmt.Fprintf(w, "event: tool_call\ndata: {\"type\":\"tool_call\",\"id\":\"c%d\",\"name\":\"search\",\"arguments\":{\"q\":\"x\"}}\n\n", i)
		case 1:
			fmt.Fprintf(w, "event: tool_result\ndata: {\"type\":\"tool_result\",\"id\":\"c%d\",\"name\":\"search\",\"is_error\":false,\"content\":\"ok\"}\n\n", i-1)
		default:
			t := fmt.Sprintf("word %d ", i)
			if text.Len() < 1<<20 {
				text.WriteString(t)
			}
			fmt.Fprintf(w, "event: text_delta\ndata: {\"type\":\"text_delta\",\"content\":%q}\n\n", t)
		}
	}
	fmt.Fprintf(w, "event: final_answer\ndata: {\"type\":\"final_answer\",\"content\":\"the end\"}\n\n")
	fmt.Fprintf(w, "event: done\ndata: {\"type\":\"done\",\"status\":\"ok\"}\n\n")
	check(w.Flush())
	check(f.Close())
	return file
}

func startReplay(bin, file string, args ...string) (*exec.Cmd, string) {
	cmd := exec.Command(bin, append(append([]string{"replay", "-q", "--listen", "127.0.0.1:0", "--ready-json"}, args...), file)...)
	return cmd, readyURL(cmd)
}

// readyURL starts a server with --ready-json and returns its URL.
func readyURL(cmd *exec.Cmd) string {
	out, err := cmd.StdoutPipe()
	check(err)
	cmd.Stderr = io.Discard
	check(cmd.Start())
	running = append(running, cmd)
	line, err := bufio.NewReader(out).ReadBytes('\n')
	check(err)
	var ready struct{ URL string }
	check(json.Unmarshal(bytes.TrimSpace(line), &ready))
	return ready.URL
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
}

// procMem is a process's resident memory now and at its peak, in MB.
func procMem(pid int) (rss, hwm float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

func sizeMB(file string) float64 {
	fi, err := os.Stat(file)
	if err != nil {
		return 0
	}
	return float64(fi.Size()) / (1 << 20)
}

// running are the servers started, stopped when a measurement fails.
var running []*exec.Cmd

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		for _, c := range running {
			_ = c.Process.Kill()
		}
		os.Exit(1)
	}
}
