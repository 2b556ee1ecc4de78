package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/recorder"
	"github.com/ssetape/ssetape/replayer"
)

// proxyOptions holds the flags and streams of `ssetape proxy`.
type proxyOptions struct {
	ioStreams
	Upstream     string
	Listen       string
	Output       string
	Mode         string
	RedactHeader []string
	RedactQuery  []string
	RedactJSON   []string
	Contract     string
	Quiet        bool
	ready        func(addr string)
	stop         <-chan struct{}
}

func newProxyCmd(s ioStreams, runF func(*proxyOptions) error) *cobra.Command {
	o := &proxyOptions{ioStreams: s}
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
	return cmd
}

// sink saves recorded interactions as they come.
type sink struct {
	mu   sync.Mutex
	path string
	dir  bool
	cas  *cassette.Cassette
	n    int
	err  error
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func (s *sink) save(it *cassette.Interaction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if s.dir {
		name := fmt.Sprintf("%03d-%s-%s.yaml", s.n, strings.ToLower(it.Request.Method), strings.Trim(unsafeName.ReplaceAllString(strings.SplitN(it.Request.Path, "?", 2)[0], "-"), "-"))
		s.err = cassette.WriteFile(filepath.Join(s.path, name), &cassette.Cassette{Version: cassette.Version, Interactions: []*cassette.Interaction{it}})
		return
	}
	s.cas.Interactions = append(s.cas.Interactions, it)
	s.err = cassette.WriteFile(s.path, s.cas)
}

func proxyRun(o *proxyOptions) error {
	up, err := url.Parse(o.Upstream)
	if o.Upstream == "" || err != nil || (up.Scheme != "http" && up.Scheme != "https") || up.Host == "" {
		return usageError("--upstream %q: want the server's http:// or https:// URL", o.Upstream)
	}
	switch o.Mode {
	case "record", "replay-or-record", "passthrough":
	default:
		return usageError("--mode %q: want record, replay-or-record or passthrough", o.Mode)
	}
	if o.Mode != "passthrough" && o.Output == "" {
		return usageError("-o is required: a cassette FILE, or a DIR/ for one file per interaction")
	}
	log := slog.New(slog.NewTextHandler(o.Err, &slog.HandlerOptions{Level: map[bool]slog.Level{true: slog.LevelWarn, false: slog.LevelInfo}[o.Quiet]}))
	sk := &sink{path: o.Output}
	if o.Output != "" {
		fi, err := os.Stat(o.Output)
		sk.dir = strings.HasSuffix(o.Output, "/") || (err == nil && fi.IsDir())
		switch {
		case sk.dir:
			if err := os.MkdirAll(o.Output, 0o755); err != nil {
				return runtimeError(err)
			}
		case err == nil && o.Mode == "replay-or-record":
			c, err := cassette.Load(o.Output)
			if err != nil {
				return inputError(err)
			}
			sk.cas = c
		case err == nil:
			return usageError("%s exists; record to a new file, a directory, or use --mode replay-or-record", o.Output)
		default:
			sk.cas = &cassette.Cassette{Version: cassette.Version}
		}
	}
	red := recorder.DefaultRedaction.With(o.RedactHeader, o.RedactQuery)
	if red.JSON, err = jsonPaths(o.RedactJSON); err != nil {
		return err
	}
	px := &recorder.Proxy{Upstream: up, Redaction: red,
		Record: o.Mode != "passthrough", OnInteraction: func(it *cassette.Interaction) {
			sk.save(it)
			if sk.err != nil {
				log.Error("saving the interaction failed", "error", sk.err)
			}
		},
		Log: func(method, path string, status int, outcome string) {
			log.Info("request", "method", method, "path", path, "status", status, "outcome", outcome)
		}}
	var checks *contractObserver
	if o.Contract != "" {
		c, err := contractNamed(o.Contract)
		if err != nil {
			return err
		}
		checks = newContractObserver(c, log)
		px.Observer = proxyObserver{checks}
	}
	var handler http.Handler = px
	if o.Mode == "replay-or-record" {
		sources, err := replaySources(o.Output, sk)
		if err != nil {
			return err
		}
		rp, err := replayer.New(sources, replayer.Options{Logger: log})
		if err != nil {
			return inputError(err)
		}
		defer rp.Close()
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if rp.Holds(r) {
				rp.ServeHTTP(w, r)
				return
			}
			px.ServeHTTP(w, r)
		})
	}
	ln, err := listen(o.Listen, log)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	fmt.Fprintf(o.Err, "ssetape proxy: %s on http://%s → %s", o.Mode, addr, up)
	if o.Output != "" {
		fmt.Fprintf(o.Err, ", recording to %s", o.Output)
	}
	fmt.Fprintln(o.Err)
	if o.ready != nil {
		o.ready(addr)
	}
	return serveUntilStopped(ln, handler, log, o.stop, nil, func() {
		sk.mu.Lock()
		fmt.Fprintf(o.Err, "ssetape proxy: stopped; %d interactions recorded\n", sk.n)
		sk.mu.Unlock()
		checks.summary(o.Err, "proxy")
	})
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
	if len(sk.cas.Interactions) == 0 {
		return nil, nil
	}
	// A copy: the sink keeps appending to its own cassette.
	c := *sk.cas
	c.Interactions = append([]*cassette.Interaction(nil), sk.cas.Interactions...)
	return []replayer.Source{{Name: out, Cassette: &c}}, nil
}
