package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/recorder"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayorrecord"
)

// proxyOptions holds the flags of `ssetape proxy` and what it gets from
// outside (env).
type proxyOptions struct {
	*env
	Upstream     string
	Listen       string
	Output       string
	Mode         string
	RedactHeader []string
	RedactQuery  []string
	RedactJSON   []string
	Contract     string
	Quiet        bool
	ReadyJSON    bool
	Control      controlFlags
}

func newProxyCmd(e *env, runF func(*proxyOptions) error) *cobra.Command {
	o := &proxyOptions{env: e}
	cmd := &cobra.Command{
		Use:   "proxy --upstream URL -o FILE|DIR [flags]",
		Short: "A tee reverse proxy that records every request that passes",
		Long: `Serve a reverse proxy to --upstream: point an SDK (its base URL), a browser or a
frontend at it, and every request is forwarded, its response handed to the client chunk
by chunk the moment it arrives, and recorded beside it, redacted (see ssetape record).

-o FILE keeps one cassette for the session, rewritten atomically after each
interaction; a path ending in / or an existing directory gets one file per interaction.

Modes: record (default); replay-or-record, which answers from the cassettes in -o what
they hold and records what they do not; passthrough, which records nothing (and needs
no -o). An upstream that fails gets 502 with a plain explanation; the proxy keeps
serving. Ctrl-C stops it after the last interaction is saved.`,
		Example: `  ssetape proxy --upstream http://127.0.0.1:8000 -o chat.yaml
  OPENAI_BASE_URL=http://127.0.0.1:8081/v1 node app.js        # the SDK goes through the proxy
  ssetape proxy --upstream http://127.0.0.1:8000 -o recordings/ --mode replay-or-record`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return proxyRun(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Upstream, "upstream", "", "the server to forward to (required)")
	f.StringVar(&o.Listen, "listen", "127.0.0.1:8081", "address to serve on (port 0 picks a free one)")
	f.StringVarP(&o.Output, "output", "o", "", "the cassette (FILE) or a directory (DIR/) to record to")
	f.StringVar(&o.Mode, "mode", "record", "record, replay-or-record or passthrough")
	f.StringArrayVar(&o.RedactHeader, "redact-header", nil, "another header to redact; repeatable")
	f.StringArrayVar(&o.RedactQuery, "redact-query", nil, "another query parameter to redact; repeatable")
	f.StringArrayVar(&o.RedactJSON, "redact-json", nil, "a JSON path ($.user.email) to redact in request bodies and event data; repeatable")
	f.StringVar(&o.Contract, "contract", "", "check every stream that passes against this contract (auto: each stream its own preset; a preset; or a contract file), logging broken rules")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no log line per request")
	f.BoolVar(&o.ReadyJSON, "ready-json", false, `once serving, print one line to stdout: {"ready": true, "url": "http://127.0.0.1:PORT"}`)
	o.Control.add(f)
	return cmd
}

// sink saves recorded interactions as they come: one cassette file that
// grows by one interaction at each save (written whole the first time, then
// appended to, atomically each time), or one file each in a directory. It
// holds no interaction after its save. mu guards every field.
type sink struct {
	mu      sync.Mutex
	path    string
	dir     bool
	cas     *cassette.Cassette // what -o held at start, until the first save
	written bool               // the file is ssetape's own, from a save of this run
	n       int
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// maxNameStem bounds the part of a file name taken from the request path:
// file systems take 255 bytes, and the number keeps names unique.
const maxNameStem = 80

// fileName is the file of the n-th interaction in a directory sink:
// 001-post-api-chat.yaml, the path cut to maxNameStem.
func fileName(n int, it *cassette.Interaction) string {
	path, _, _ := strings.Cut(it.Request.Path, "?")
	stem := strings.Trim(unsafeName.ReplaceAllString(path, "-"), "-")
	if len(stem) > maxNameStem {
		stem = strings.TrimRight(stem[:maxNameStem], "-.")
	}
	return fmt.Sprintf("%03d-%s-%s.yaml", n, strings.ToLower(it.Request.Method), stem)
}

// save saves one interaction and returns where, or why it could not.
func (s *sink) save(it *cassette.Interaction) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if s.dir {
		file := filepath.Join(s.path, fileName(s.n, it))
		return file, cassette.WriteFile(file, &cassette.Cassette{Version: cassette.Version, Interactions: []*cassette.Interaction{it}})
	}
	if s.written {
		return s.path, cassette.AppendFile(s.path, it)
	}
	s.cas.Interactions = append(s.cas.Interactions, it)
	if err := cassette.WriteFile(s.path, s.cas); err != nil {
		s.cas.Interactions = s.cas.Interactions[:len(s.cas.Interactions)-1]
		return s.path, err
	}
	s.written, s.cas = true, nil
	return s.path, nil
}

// count is how many interactions were saved.
func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// open prepares the sink for -o, loading an existing cassette for
// replay-or-record.
func (o *proxyOptions) openSink() (*sink, error) {
	sk := &sink{path: o.Output}
	if o.Output == "" {
		return sk, nil
	}
	fi, err := os.Stat(o.Output)
	sk.dir = strings.HasSuffix(o.Output, "/") || (err == nil && fi.IsDir())
	switch {
	case sk.dir:
		if err := os.MkdirAll(o.Output, 0o755); err != nil {
			return nil, runtimeError(err)
		}
	case err == nil && o.Mode == "replay-or-record":
		c, err := cassette.Load(o.Output)
		if err != nil {
			return nil, inputError(err)
		}
		sk.cas = c
	case err == nil:
		return nil, usageError("%s exists; record to a new file, a directory, or use --mode replay-or-record", o.Output)
	default:
		sk.cas = &cassette.Cassette{Version: cassette.Version}
	}
	return sk, nil
}

// check validates the flags.
func (o *proxyOptions) check() (*url.URL, error) {
	up, err := url.Parse(o.Upstream)
	if o.Upstream == "" || err != nil || (up.Scheme != "http" && up.Scheme != "https") || up.Host == "" {
		return nil, usageError("--upstream %q: want the server's http:// or https:// URL", o.Upstream)
	}
	switch o.Mode {
	case "record", "replay-or-record", "passthrough":
	default:
		return nil, usageError("--mode %q: want record, replay-or-record or passthrough", o.Mode)
	}
	if o.Mode != "passthrough" && o.Output == "" {
		return nil, usageError("-o is required: a cassette FILE, or a DIR/ for one file per interaction")
	}
	return up, nil
}

func proxyRun(o *proxyOptions) error {
	up, err := o.check()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(o.Err, &slog.HandlerOptions{Level: map[bool]slog.Level{true: slog.LevelWarn, false: slog.LevelInfo}[o.Quiet]}))
	sk, err := o.openSink()
	if err != nil {
		return err
	}
	red := recorder.DefaultRedaction.With(o.RedactHeader, o.RedactQuery)
	if red.JSON, err = jsonPaths(o.RedactJSON); err != nil {
		return err
	}
	px := &recorder.Proxy{Upstream: up, Redaction: red, Record: o.Mode != "passthrough",
		Log: func(method, path string, status int, outcome string) {
			log.Info("request", "method", method, "path", path, "status", status, "outcome", outcome)
		}}
	px.OnInteraction = func(it *cassette.Interaction) {
		if where, err := sk.save(it); err != nil {
			log.Error("the interaction was not saved", "method", it.Request.Method, "path", it.Request.Path, "to", where, "error", err)
		}
		// A long recording's memory goes back to the system once it is
		// saved, not when the runtime gets to it: a proxy runs for hours.
		if streamBytes(it) > freeAfter {
			debug.FreeOSMemory()
		}
	}
	monitor, err := newMonitor(o.Contract, log)
	if err != nil {
		return err
	}
	if monitor != nil {
		px.Observer = monitor
	}
	ctl, err := o.Control.control(log, red)
	if err != nil {
		return err
	}
	px.Journal = ctl.Journal()
	var handler http.Handler = px
	if o.Mode == "replay-or-record" {
		sources, err := replaySources(o.Output, sk)
		if err != nil {
			return err
		}
		ropts := replayer.Options{Logger: log, Armed: ctl.Armed(), Journal: ctl.Journal()}
		if monitor != nil {
			ropts.Observer = monitor
		}
		rp, err := replayer.New(sources, ropts)
		if err != nil {
			return inputError(err)
		}
		defer rp.Close()
		ctl.Attach(rp)
		handler = replayorrecord.New(rp, px)
	}
	handler = ctl.Handler(handler)
	ln, err := listen(o.Listen, log)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	o.Control.warnIfOff(addr, log)
	stopControl, controlAddr, err := o.Control.serveControl(ctl, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopControl()
	fmt.Fprintf(o.Err, "ssetape proxy: %s on http://%s → %s", o.Mode, addr, up)
	if o.Output != "" {
		fmt.Fprintf(o.Err, ", recording to %s", o.Output)
	}
	fmt.Fprintln(o.Err)
	if controlAddr != "" {
		fmt.Fprintf(o.Err, "ssetape proxy: the control API is also on http://%s/__ssetape/\n", controlAddr)
	}
	if o.ReadyJSON {
		fmt.Fprintf(o.Out, "{\"ready\": true, \"url\": %q}\n", "http://"+addr)
	}
	if o.ready != nil {
		o.ready(addr)
	}
	// At a stop, streams in flight are saved with what arrived (reason
	// interrupted) before the server waits for their handlers.
	why, err := serveUntilStopped(o.env, ln, handler, log, false, nil, func() { ctl.Close(); px.Interrupt() }, func() {
		fmt.Fprintf(o.Err, "ssetape proxy: stopped; %s recorded\n", plural(sk.count(), "interaction"))
		if monitor != nil {
			monitor.Summary(o.Err, "proxy")
		}
	})
	if err != nil {
		return err
	}
	return stopError(why)
}

// replaySources loads what -o already holds, for replay-or-record.
func replaySources(out string, sk *sink) ([]replayer.Source, error) {
	if sk.dir {
		matches, _ := filepath.Glob(filepath.Join(out, "*.yaml"))
		if len(matches) == 0 {
			return nil, nil
		}
		return loadSources(matches)
	}
	sk.mu.Lock()
	defer sk.mu.Unlock()
	if len(sk.cas.Interactions) == 0 {
		return nil, nil
	}
	// A copy: the sink keeps appending to its own cassette.
	c := *sk.cas
	c.Interactions = append([]*cassette.Interaction(nil), sk.cas.Interactions...)
	return []replayer.Source{{Name: out, Cassette: &c}}, nil
}

// freeAfter is the size of a recorded stream past which the proxy gives
// memory back to the system after saving it.
const freeAfter = 4 << 20

// streamBytes is the size of an interaction's recorded body.
func streamBytes(it *cassette.Interaction) int {
	n := len(it.Response.Body)
	if w := it.Response.Wire; w != nil {
		for _, c := range w.Chunks {
			n += len(c.Data)
		}
	}
	return n
}
