package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/recorder"
	"github.com/ssetape/ssetape/sse"
)

// recordOptions holds the flags of `ssetape record` and what it gets from
// outside (env).
type recordOptions struct {
	*env
	URL string
	requestFlags
	Output         string
	Force          bool
	Append         bool
	Timeout        time.Duration
	MaxTime        time.Duration
	IdleTimeout    time.Duration
	RedactHeader   []string
	RedactQuery    []string
	RedactJSON     []string
	Name           string
	IncludeHeaders bool
}

func newRecordCmd(e *env, runF func(*recordOptions) error) *cobra.Command {
	o := &recordOptions{env: e}
	cmd := &cobra.Command{
		Use:   "record [flags] URL",
		Short: "Record one request and its stream to a cassette",
		Long: `Send one request, curl-like, and record the response: every chunk of the body as it
arrived, with its offset from the moment the request was sent, the time to headers,
and how the stream ended. Events are shown live as they arrive, comments (: ping)
and retry lines too; -i shows the response headers first, as curl -i does.

-d sends the body with Content-Type: application/json unless a -H sets another
Content-Type; -d without -X makes the request a POST.

Without -o the live view goes to stderr and the cassette YAML to stdout; with -o it is
written atomically to that file (an existing one needs --force, or --append to add the
interaction to it). Credentials are redacted before anything is written: credential
headers and query parameters by name, and values shaped like keys or tokens wherever
they appear (docs/limits.md lists the patterns); more with --redact-header,
--redact-query and --redact-json.

Nothing that arrived is lost: Ctrl-C stops the recording and saves what arrived (exit
130); a line or an event over 1 MiB, or a stream over the recording limit, stops the
recording there, saves what arrived with end reason error, and exits with 3. An
unreachable server exits with 3.`,
		Example: `  ssetape record -X POST -d '{"message":"hi"}' -o chat.yaml http://127.0.0.1:8000/api/chat
  ssetape record -i -d @request.json --idle-timeout 30s -o chat.yaml http://127.0.0.1:8000/api/chat
  ssetape record http://127.0.0.1:8080/events > events.yaml`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("record takes one URL, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.URL = args[0]
			if runF != nil {
				return runF(o)
			}
			return recordRun(o)
		},
	}
	f := cmd.Flags()
	o.requestFlags.add(f, "")
	f.StringVarP(&o.Output, "output", "o", "", "the cassette to write (default: the YAML on stdout)")
	f.BoolVar(&o.Force, "force", false, "overwrite an existing -o file")
	f.BoolVar(&o.Append, "append", false, "add the interaction to an existing -o cassette")
	f.BoolVarP(&o.IncludeHeaders, "include", "i", false, "show the response status line and headers in the live view")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Second, "give up when the headers take longer than this")
	f.DurationVar(&o.MaxTime, "max-time", 0, "stop recording after this long (0: no limit)")
	f.DurationVar(&o.IdleTimeout, "idle-timeout", 0, "stop recording when nothing arrives for this long (0: no limit)")
	f.StringArrayVar(&o.RedactHeader, "redact-header", nil, "another header to redact; repeatable")
	f.StringArrayVar(&o.RedactQuery, "redact-query", nil, "another query parameter to redact; repeatable")
	f.StringArrayVar(&o.RedactJSON, "redact-json", nil, "a JSON path ($.user.email) to redact in request bodies and event data; repeatable")
	f.StringVar(&o.Name, "name", "", "the cassette's name")
	return cmd
}

var errIdle = errors.New("nothing arrived within --idle-timeout")

// jsonPaths reads the --redact-json paths.
func jsonPaths(ss []string) ([]cassette.Path, error) {
	var out []cassette.Path
	for _, s := range ss {
		p, err := cassette.ParsePath(s)
		if err != nil {
			return nil, usageError("--redact-json: %v", err)
		}
		out = append(out, p)
	}
	return out, nil
}

func recordRun(o *recordOptions) error {
	existing, err := o.existing()
	if err != nil {
		return err
	}
	red := recorder.DefaultRedaction.With(o.RedactHeader, o.RedactQuery)
	if red.JSON, err = jsonPaths(o.RedactJSON); err != nil {
		return err
	}
	body, err := o.body()
	if err != nil {
		return err
	}
	ctx, cancel, interrupted := o.recordingContext()
	defer cancel(nil)
	req, err := o.build(ctx, o.URL, body)
	if err != nil {
		return err
	}
	live := o.Err
	if o.Output != "" {
		live = o.Out
	}
	it, err := o.capture(ctx, cancel, req, body, red, live)
	if err != nil {
		return err
	}
	if err := o.save(existing, it, live); err != nil {
		return err
	}
	switch {
	case interrupted.Load():
		return &exitError{code: exitInterrupted, err: errors.New("interrupted; what arrived was saved")}
	case it.Response.End != nil && it.Response.End.Reason == cassette.Failed:
		return runtimeError(fmt.Errorf("the recording stopped: %s; what arrived was saved", it.Response.End.Error))
	}
	return nil
}

// existing loads the -o cassette for --append, and refuses to overwrite one
// without --force.
func (o *recordOptions) existing() (*cassette.Cassette, error) {
	if o.Output == "" {
		return nil, nil
	}
	if _, err := os.Stat(o.Output); err != nil {
		return nil, nil
	}
	switch {
	case o.Append:
		c, err := cassette.Load(o.Output)
		if err != nil {
			return nil, inputError(err)
		}
		return c, nil
	case !o.Force:
		return nil, usageError("%s exists; pass --force to overwrite it or --append to add to it", o.Output)
	}
	return nil, nil
}

// interruptFlag says whether Ctrl-C stopped the recording.
type interruptFlag struct {
	mu  sync.Mutex
	set bool
}

func (f *interruptFlag) Store(v bool) { f.mu.Lock(); f.set = v; f.mu.Unlock() }
func (f *interruptFlag) Load() bool   { f.mu.Lock(); defer f.mu.Unlock(); return f.set }

// recordingContext is the context of the recording: cancelled by Ctrl-C
// (or e.stop), by --max-time, and by the idle timer.
func (o *recordOptions) recordingContext() (context.Context, context.CancelCauseFunc, *interruptFlag) {
	ctx, cancel := context.WithCancelCause(context.Background())
	if o.MaxTime > 0 {
		var stopTimer context.CancelFunc
		ctx, stopTimer = context.WithTimeoutCause(ctx, o.MaxTime, context.DeadlineExceeded)
		inner := cancel
		cancel = func(cause error) { inner(cause); stopTimer() }
	}
	interrupted := &interruptFlag{}
	stop := o.stop
	var sigs chan os.Signal
	if stop == nil {
		sigs = make(chan os.Signal, 1)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	}
	go func() {
		defer func() {
			if sigs != nil {
				signal.Stop(sigs)
			}
		}()
		select {
		case <-stop:
		case <-sigs:
		case <-ctx.Done():
			return
		}
		interrupted.Store(true)
		cancel(context.Canceled)
	}()
	return ctx, cancel, interrupted
}

// capture sends the request and records the response, showing it live.
func (o *recordOptions) capture(ctx context.Context, cancel context.CancelCauseFunc, req *http.Request, body []byte, red recorder.Redaction, live io.Writer) (*cassette.Interaction, error) {
	client := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: o.Timeout, Proxy: nil}}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return nil, runtimeError(requestFailed(req, err))
	}
	defer resp.Body.Close()
	headersAt := time.Since(start)
	fmt.Fprintf(live, "%s → %s (%s) after %s\n", describe(req), resp.Status, resp.Header.Get("Content-Type"), cassette.FormatDuration(headersAt))
	if o.IncludeHeaders {
		writeHeaders(live, resp.Header)
	}
	view := newLiveView(live)
	var reader io.Reader = resp.Body
	if o.IdleTimeout > 0 {
		reader = &idleReader{r: resp.Body, d: o.IdleTimeout, cancel: cancel}
	}
	c := recorder.Tee(ctx, reader, start, nil, nil, view.chunk, recorder.CaptureAll)
	view.close()
	it, err := recorder.Interaction(req, body, resp, headersAt, c, red)
	if err != nil {
		return nil, inputError(err)
	}
	if errors.Is(context.Cause(ctx), errIdle) && it.Response.End != nil {
		it.Response.End.Reason, it.Response.End.Error = cassette.Timeout, errIdle.Error()
	}
	fmt.Fprintf(live, "%s after %s: %s\n", plural(view.events, "event"), cassette.FormatDuration(it.Response.End.At), it.Response.End.Reason)
	return it, nil
}

// writeHeaders shows response headers, sorted, as curl -i does; credential
// headers are masked.
func writeHeaders(w io.Writer, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			if cassette.SecretHeader(k) {
				v = cassette.Redacted
			}
			fmt.Fprintf(w, "%s: %s\n", k, v)
		}
	}
	fmt.Fprintln(w)
}

// save writes the cassette to -o, or its YAML to stdout.
func (o *recordOptions) save(existing *cassette.Cassette, it *cassette.Interaction, live io.Writer) error {
	cas := existing
	if cas == nil {
		cas = &cassette.Cassette{Version: cassette.Version, Name: o.Name}
	}
	cas.Interactions = append(cas.Interactions, it)
	if o.Output == "" {
		if err := cassette.Encode(o.Out, cas); err != nil {
			return runtimeError(err)
		}
		return nil
	}
	if err := cassette.WriteFile(o.Output, cas); err != nil {
		return runtimeError(err)
	}
	fmt.Fprintf(live, "saved %s\n", o.Output)
	return nil
}

// idleReader cancels the recording when a read waits longer than d.
type idleReader struct {
	r      io.Reader
	d      time.Duration
	cancel context.CancelCauseFunc
}

func (i *idleReader) Read(p []byte) (int, error) {
	t := time.AfterFunc(i.d, func() { i.cancel(errIdle) })
	defer t.Stop()
	return i.r.Read(p)
}

// liveView prints one line per event as chunks arrive, and one per comment
// and retry line, so that a ping is seen to arrive.
type liveView struct {
	w      io.Writer
	p      *palette
	tap    *recorder.Tap
	mu     sync.Mutex // guards at and events
	at     time.Duration
	events int
}

func newLiveView(w io.Writer) *liveView {
	v := &liveView{w: w, p: newPalette(colorOn(w))}
	v.tap = recorder.NewTap(v.block, nil)
	return v
}

func (v *liveView) block(b sse.Block) {
	v.mu.Lock()
	defer v.mu.Unlock()
	at := cassette.FormatDuration(v.at)
	if b.Dispatched {
		v.events++
		typ := sse.TypeName(b.Event.Type)
		pad := strings.Repeat(" ", max(0, 14-len(typ)))
		fmt.Fprintf(v.w, "%4d %10s  %s%s %s\n", v.events, at, v.p.typeColor(b.Event.Type).Sprint(typ), pad, excerpt(b.Event.Data, 60))
		return
	}
	for _, l := range b.Lines {
		switch {
		case l.Kind == sse.Comment:
			fmt.Fprintf(v.w, "%4s %10s  %s\n", "", at, v.p.dim.Sprint(excerpt(":"+l.Value, 74)))
		case l.Kind == sse.Retry && !l.Ignored:
			fmt.Fprintf(v.w, "%4s %10s  %s\n", "", at, v.p.dim.Sprint("retry: "+l.Value))
		}
	}
}

func (v *liveView) chunk(c cassette.Chunk) {
	v.mu.Lock()
	v.at = c.At
	v.mu.Unlock()
	_, _ = v.tap.Write(c.Data)
}

func (v *liveView) close() { v.tap.Close() }
