package main

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/fixtures"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/fault"
)

// replayOptions holds the flags of `ssetape replay` and what it gets from
// outside (env).
type replayOptions struct {
	*env
	Paths     []string
	Listen    string
	Speed     string
	Gap       time.Duration
	TTFB      time.Duration
	Jitter    time.Duration
	MaxGap    time.Duration
	GapFor    []string
	Seed      string
	Repeat    string
	MatchBody string
	CORS      string
	Strict    bool
	Quiet     bool
	Faults    []string
	Contract  string
	// FailOnViolation makes a stop exit 1 when a stream broke the contract.
	FailOnViolation bool
	MaxSessions     int
	ttfbSet         bool // --ttfb was given
	// ReadyJSON prints {"ready": true, "url": ...} on stdout once serving.
	ReadyJSON bool
	// ExitWithStdin stops the server (cleanly, exit 0) when stdin ends.
	ExitWithStdin bool
	// CPUProfile, when set, is where a CPU profile of the run is written
	// (a hidden flag, for measuring the server under load).
	CPUProfile string
	// MemProfile, when set, is where an allocation profile is written at
	// the end of the run (hidden, like --cpuprofile).
	MemProfile string
	Control    controlFlags
}

func newReplayCmd(e *env, runF func(*replayOptions) error) *cobra.Command {
	o := &replayOptions{env: e}
	cmd := &cobra.Command{
		Use:   "replay [flags] [CASSETTE|DIR...]",
		Short: "Serve cassettes as a mock SSE server",
		Long: `Serve cassettes: every request is matched to a recorded interaction and gets its
response, with the recorded bytes, chunk boundaries and pacing. Without arguments
the built-in sample agent cassette is served (POST /api/chat, /api/chat/en and
/api/chat/error). A directory means every .yaml and .yml file under it.

Matching: method and path, the query, then the body (as JSON when both sides are
JSON). Identical requests get the recorded responses in order; after the last,
--repeat last sends the last again, --repeat error answers 404. Counters are per
session: the Ssetape-Session header or ssetape_session query parameter gives a test
its own, and POST /__ssetape/reset clears them. A request with Last-Event-ID
resumes the stream after that event (204 when nothing is left). An unmatched request
gets 404 naming the closest interactions and what differed.

Faults (--fault, a cassette's faults:, or per request the Ssetape-Fault header or the
ssetape_fault query parameter, the most specific source winning) change what is sent:
cut the stream, reset it, stall it, drop, duplicate, corrupt or inject events, re-cut
the chunks, rewrite line endings, answer 503. docs/faults.md lists them.

The control API under /__ssetape/ (docs/control-api.md) lets a test drive the replay
while it runs: hold a stream at an event (the hold fault) and release it, arm faults
for the next requests, read the journal of requests, add cassettes. It is on for a
loopback listener; elsewhere it needs --control-token.

Pacing applies to each chunk's gap in this order: --gap-for and --gap replace it,
--max-gap caps it, --speed divides it, --jitter moves it. --ttfb replaces the
recorded time to headers.

Connections are kept alive between streams (not after a fault or a reset). When more
streams are paced than the server can write in time, it warns (at most every 10 s).
Stop with Ctrl-C or SIGTERM: streams in progress are ended, the command prints how
late its writes were against their schedule (p50, p99, max: the server's own share of
any lateness a client sees) and exits with 130 after Ctrl-C, 0 after SIGTERM. With
--contract and --fail-on-violation it exits with 1 instead when any stream broke the
contract with an error, so that a CI job can gate on the replay itself.`,
		Example: `  ssetape replay                                   # the built-in sample on 127.0.0.1:8080
  curl -N -X POST http://127.0.0.1:8080/api/chat    # ...streams it, paced as recorded
  ssetape replay --listen 127.0.0.1:0 fixtures/    # every fixture; port 0 picks one
  ssetape replay --speed max --cors '*' fixtures/events.yaml
  ssetape replay --max-gap 200ms --gap-for text_delta=20ms --jitter 5ms chat.yaml
  ssetape replay --fault 'close:after=3' --fault 'chunk:size=1'
  ssetape replay --contract agent --fault omit-last   # logs AGT-1 for every stream
  ssetape replay --contract auto --fail-on-violation fixtures/   # exit 1 at stop if a stream broke
  curl -N -X POST -H 'Ssetape-Fault: drop:type=done' http://127.0.0.1:8080/api/chat
  curl -X POST -H 'Content-Type: application/json' -d '{"fault":"hold:type=tool_call"}' \
    http://127.0.0.1:8080/__ssetape/faults            # the next stream waits before tool_call
  curl 'http://127.0.0.1:8080/__ssetape/streams?state=held&wait=10s'
  curl -X POST http://127.0.0.1:8080/__ssetape/streams/1/release`,
		RunE: func(c *cobra.Command, args []string) error {
			o.Paths = args
			o.ttfbSet = c.Flags().Changed("ttfb")
			if runF != nil {
				return runF(o)
			}
			return replayRun(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "address to serve on (port 0 picks a free one)")
	f.StringVar(&o.Speed, "speed", "1", "pace factor: 2 is twice as fast, max sends everything at once")
	f.DurationVar(&o.Gap, "gap", 0, "a fixed gap before every chunk instead of the recorded ones")
	f.DurationVar(&o.TTFB, "ttfb", 0, "time to the headers instead of the recorded one (not scaled by --speed)")
	f.DurationVar(&o.Jitter, "jitter", 0, "move every gap by a random amount up to this, either way (from --seed)")
	f.DurationVar(&o.MaxGap, "max-gap", 0, "cap every gap at this")
	f.StringArrayVar(&o.GapFor, "gap-for", nil, "TYPE=D: the gap before events of TYPE (message for untyped); repeatable")
	f.StringVar(&o.Seed, "seed", "1", "seed of all randomness; random picks one and prints it")
	f.StringVar(&o.Repeat, "repeat", "last", "after the last recorded response: last (send it again) or error (404)")
	f.StringVar(&o.MatchBody, "match-body", "exact", "exact (each interaction's own match setting) or any (ignore every body)")
	f.StringVar(&o.CORS, "cors", "", "allow this origin (or *) and answer preflights")
	f.BoolVar(&o.Strict, "strict", false, "refuse recorded streams whose entries were edited after recording")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no log line per request")
	f.StringArrayVar(&o.Faults, "fault", nil, "a fault spec for every request (name:key=value,...; several joined with ;); repeatable; see docs/faults.md")
	f.StringVar(&o.Contract, "contract", "", "check every stream sent against this contract (auto: each stream its own preset; a preset such as agent or openai-chat; or a contract file), logging each broken rule when it is found")
	f.BoolVar(&o.FailOnViolation, "fail-on-violation", false, "with --contract: exit 1 at stop (Ctrl-C or SIGTERM) when any stream broke the contract with an error")
	f.BoolVar(&o.ReadyJSON, "ready-json", false, `once serving, print one line to stdout: {"ready": true, "url": "http://127.0.0.1:PORT"}`)
	f.BoolVar(&o.ExitWithStdin, "exit-with-stdin", false, "stop (cleanly, exit 0) when standard input reaches its end: a server that never outlives the process that started it")
	f.IntVar(&o.MaxSessions, "max-sessions", replayer.DefaultMaxSessions, "keep the counters of at most this many sessions; past it the least recently used session starts over")
	o.Control.add(f)
	f.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	_ = f.MarkHidden("cpuprofile")
	f.StringVar(&o.MemProfile, "memprofile", "", "write an allocation profile at the end of the run to this file")
	_ = f.MarkHidden("memprofile")
	return cmd
}

// replayConfig turns the flags into replayer options.
func (o *replayOptions) config() (replayer.Options, error) {
	var opts replayer.Options
	switch o.Speed {
	case "max":
		opts.Pacing.Max = true
	default:
		f, err := strconv.ParseFloat(o.Speed, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return opts, usageError("--speed %q: want a positive number (2 is twice as fast) or max", o.Speed)
		}
		opts.Pacing.Speed = f
	}
	for name, d := range map[string]time.Duration{"--gap": o.Gap, "--jitter": o.Jitter, "--max-gap": o.MaxGap} {
		if d < 0 {
			return opts, usageError("%s %v: a duration cannot be negative", name, d)
		}
	}
	opts.Pacing.Gap, opts.Pacing.Jitter, opts.Pacing.MaxGap = o.Gap, o.Jitter, o.MaxGap
	if o.ttfbSet {
		if o.TTFB < 0 {
			return opts, usageError("--ttfb %v: a time to the headers cannot be negative", o.TTFB)
		}
		opts.Pacing.TTFB, opts.Pacing.HasTTFB = o.TTFB, true
	}
	for _, g := range o.GapFor {
		typ, ds, ok := strings.Cut(g, "=")
		d, err := time.ParseDuration(ds)
		if !ok || typ == "" || err != nil || d < 0 {
			return opts, usageError("--gap-for %q: want TYPE=DURATION, like text_delta=20ms", g)
		}
		if opts.Pacing.GapFor == nil {
			opts.Pacing.GapFor = map[string]time.Duration{}
		}
		opts.Pacing.GapFor[typ] = d
	}
	switch o.Seed {
	case "random":
		var b [8]byte
		_, _ = rand.Read(b[:])
		opts.Seed = binary.LittleEndian.Uint64(b[:]) >> 1
		fmt.Fprintf(o.Err, "ssetape replay: --seed %d\n", opts.Seed)
	default:
		n, err := strconv.ParseUint(o.Seed, 10, 64)
		if err != nil {
			return opts, usageError("--seed %q: want a whole number or random", o.Seed)
		}
		opts.Seed = n
	}
	switch o.Repeat {
	case "last":
	case "error":
		opts.Repeat = replayer.RepeatError
	default:
		return opts, usageError("--repeat %q: want last or error", o.Repeat)
	}
	mode, err := cassette.ParseBodyMode(o.MatchBody)
	if err != nil {
		return opts, usageError("--match-body: %v", err)
	}
	opts.BodyAny = mode == cassette.BodyAny
	opts.CORS, opts.Strict = o.CORS, o.Strict
	if o.MaxSessions < 1 {
		return opts, usageError("--max-sessions %d: want at least 1", o.MaxSessions)
	}
	opts.MaxSessions = o.MaxSessions
	if o.FailOnViolation && o.Contract == "" {
		return opts, usageError("--fail-on-violation needs --contract: there is nothing to fail on without a contract")
	}
	for _, spec := range o.Faults {
		fs, err := fault.Parse(spec)
		if err != nil {
			return opts, usageError("--fault: %v", err)
		}
		opts.Faults = append(opts.Faults, fs...)
	}
	return opts, nil
}

// loadSources reads the cassettes named on the command line (files, or
// directories searched for .yaml and .yml files), or the built-in sample.
func loadSources(paths []string) ([]replayer.Source, error) {
	if len(paths) == 0 {
		c, err := cassette.Parse(fixtures.Agent, fixtures.AgentName)
		if err != nil {
			return nil, err
		}
		return []replayer.Source{{Name: fixtures.AgentName, Cassette: c}}, nil
	}
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, usageError("%s: no such file or directory", p)
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ext := strings.ToLower(filepath.Ext(path)); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, inputError(err)
		}
		if len(found) == 0 {
			return nil, usageError("%s: no .yaml or .yml cassettes in this directory", p)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	var sources []replayer.Source
	for _, f := range files {
		c, err := cassette.Load(f)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, usageError("%s: no such file", f)
			}
			return nil, inputError(err)
		}
		sources = append(sources, replayer.Source{Name: f, Cassette: c})
	}
	return sources, nil
}

// replayGOGC is the garbage collector's target for `ssetape replay` when
// the GOGC environment variable does not set one: a serving process's
// garbage is mostly per-request (net/http's buffers for each request on a
// connection taken over), and halving the collections it causes is worth
// a few KiB per open stream (docs/benchmarks.md).
const replayGOGC = 200

func replayRun(o *replayOptions) error {
	opts, err := o.config()
	if err != nil {
		return err
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		old := debug.SetGCPercent(replayGOGC)
		defer debug.SetGCPercent(old)
	}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return usageError("--cpuprofile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return runtimeError(err)
		}
		defer pprof.StopCPUProfile()
	}
	if o.MemProfile != "" {
		f, err := os.Create(o.MemProfile)
		if err != nil {
			return usageError("--memprofile: %v", err)
		}
		defer f.Close()
		defer func() {
			// The profile counts what was allocated up to the last
			// collection: one now counts everything (as go test does).
			runtime.GC()
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
		}()
	}
	sources, err := loadSources(o.Paths)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if o.Quiet {
		level = slog.LevelWarn
	}
	opts.Logger = slog.New(slog.NewTextHandler(o.Err, &slog.HandlerOptions{Level: level}))
	monitor, err := newMonitor(o.Contract, opts.Logger)
	if err != nil {
		return err
	}
	if monitor != nil {
		opts.Observer = monitor
	}
	ctl, err := o.Control.control(opts.Logger, cassette.Redaction{})
	if err != nil {
		return err
	}
	opts.Armed, opts.Journal = ctl.Armed(), ctl.Journal()
	srv, err := replayer.New(sources, opts)
	if err != nil {
		return inputError(err)
	}
	ctl.Attach(srv)
	// The YAML parse of a large cassette takes several times the file's
	// size, and only the prepared streams stay: give the rest back to the
	// system now, not when the runtime gets to it (docs/benchmarks.md,
	// "Scale").
	runtime.GC()
	debug.FreeOSMemory()
	for _, e := range srv.Edited() {
		opts.Logger.Warn("the entries were edited after recording; serving the entries, not the recorded wire bytes (--strict refuses this)", "interaction", e)
	}
	ln, err := listen(o.Listen, opts.Logger)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	o.Control.warnIfOff(addr, opts.Logger)
	stopControl, controlAddr, err := o.Control.serveControl(ctl, opts.Logger)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopControl()
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = s.Name
	}
	fmt.Fprintf(o.Err, "ssetape replay: serving %s from %s on http://%s\n", plural(srv.Interactions(), "interaction"), strings.Join(names, ", "), addr)
	if len(o.Paths) == 0 {
		fmt.Fprintf(o.Err, "ssetape replay: try: curl -N -X POST http://%s/api/chat\n", addr)
	}
	if controlAddr != "" {
		fmt.Fprintf(o.Err, "ssetape replay: the control API is also on http://%s/__ssetape/\n", controlAddr)
	}
	if o.ReadyJSON {
		fmt.Fprintf(o.Out, "{\"ready\": true, \"url\": %q}\n", "http://"+addr)
	}
	if o.ready != nil {
		o.ready(addr)
	}
	var stdinEnd <-chan struct{}
	if o.ExitWithStdin {
		stdinEnd = untilEOF(o.In)
	}
	why, err := serveUntilStopped(o.env, ln, ctl.Handler(srv), opts.Logger, true, stdinEnd, func() {
		fmt.Fprintln(o.Err, "ssetape replay: stopping")
		ctl.Close()
		srv.Close()
		if p := srv.Lateness(); p.Writes > 0 {
			fmt.Fprintf(o.Err, "ssetape replay: %d writes, late against their schedule by p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
				p.Writes, ms(p.P50), ms(p.P99), ms(p.Max))
		}
		if monitor != nil {
			monitor.Summary(o.Err, "replay")
		}
	}, nil)
	if err != nil {
		return err
	}
	if o.FailOnViolation && monitor.Failed() > 0 {
		return &exitError{code: exitCheckFailed, err: fmt.Errorf("%s broke the contract (--fail-on-violation)", plural(monitor.Failed(), "stream"))}
	}
	return stopError(why)
}

// newMonitor makes the live contract check of --contract ("" none).
func newMonitor(name string, log *slog.Logger) (*assert.Monitor, error) {
	if name == "" {
		return nil, nil
	}
	c, err := contractNamed(name)
	if err != nil {
		return nil, err
	}
	return assert.NewMonitor(assert.MonitorOptions{Contract: c, Log: log}), nil
}

// ms is a duration in milliseconds, for a report.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
