package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/recorder"
	"github.com/ssetape/ssetape/sse"
)

// recordOptions holds the flags and streams of `ssetape record`.
type recordOptions struct {
	ioStreams
	URL          string
	Method       string
	Headers      []string
	Data         string
	Output       string
	Force        bool
	Append       bool
	Timeout      time.Duration
	MaxTime      time.Duration
	IdleTimeout  time.Duration
	RedactHeader []string
	RedactQuery  []string
	RedactJSON   []string
	Name         string
	stop         <-chan struct{} // replaces Ctrl-C in tests
}

func newRecordCmd(s ioStreams, runF func(*recordOptions) error) *cobra.Command {
	o := &recordOptions{ioStreams: s}
	cmd := &cobra.Command{
		Use:   "record [flags] URL",
		Short: "Record one request and its stream to a cassette",
		Long: `Send one request, curl-like, and record the response: every chunk of the body as it
arrived, with its offset from the moment the request was sent, the time to headers,
and how the stream ended. Events are shown live as they arrive.

Without -o the live view goes to stderr and the cassette YAML to stdout; with -o it is
written atomically to that file (an existing one needs --force, or --append to add the
interaction to it). Credentials are redacted before anything is written:
Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, Api-Key,
X-Goog-Api-Key and the query parameters key, api_key, apikey, token and access_token;
more with --redact-header and --redact-query.

Ctrl-C stops the recording and saves what arrived (exit 130). An unreachable server
exits with 3.`,
		Example: `  ssetape record -X POST -H 'Content-Type: application/json' -d '{"message":"hi"}' -o chat.yaml http://127.0.0.1:8000/api/chat
  ssetape record -d @request.json --idle-timeout 30s -o chat.yaml http://127.0.0.1:8000/api/chat
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
	f.StringVarP(&o.Method, "request", "X", "", "the method (GET, or POST with -d)")
	f.StringArrayVarP(&o.Headers, "header", "H", nil, "a request header 'Name: value'; repeatable")
	f.StringVarP(&o.Data, "data", "d", "", "the request body, or @FILE")
	f.StringVarP(&o.Output, "output", "o", "", "the cassette to write (default: the YAML on stdout)")
	f.BoolVar(&o.Force, "force", false, "overwrite an existing -o file")
	f.BoolVar(&o.Append, "append", false, "add the interaction to an existing -o cassette")
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
	if !strings.HasPrefix(o.URL, "http://") && !strings.HasPrefix(o.URL, "https://") {
		return usageError("%q is not an http:// or https:// URL", o.URL)
	}
	var existing *cassette.Cassette
	if o.Output != "" {
		if _, err := os.Stat(o.Output); err == nil {
			switch {
			case o.Append:
				c, err := cassette.Load(o.Output)
				if err != nil {
					return inputError(err)
				}
				existing = c
			case !o.Force:
				return usageError("%s exists; pass --force to overwrite it or --append to add to it", o.Output)
			}
		}
	}
	body := []byte(o.Data)
	if strings.HasPrefix(o.Data, "@") {
		b, err := os.ReadFile(o.Data[1:])
		if err != nil {
			return usageError("-d %s: %v", o.Data, err)
		}
		body = b
	}
	method := o.Method
	if method == "" {
		method = "GET"
		if o.Data != "" {
			method = "POST"
		}
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	if o.MaxTime > 0 {
		var c2 context.CancelFunc
		ctx, c2 = context.WithTimeoutCause(ctx, o.MaxTime, context.DeadlineExceeded)
		defer c2()
	}
	var interrupted atomic.Bool
	stop := o.stop
	if stop == nil {
		sig, cancelSig := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer cancelSig()
		stop = sig.Done()
	}
	go func() {
		select {
		case <-stop:
			interrupted.Store(true)
			cancel(context.Canceled)
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, method, o.URL, strings.NewReader(string(body)))
	if err != nil {
		return usageError("%s: %v", o.URL, err)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range o.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return usageError("-H %q: want 'Name: value'", h)
		}
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	client := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: o.Timeout, Proxy: nil}}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return runtimeError(fmt.Errorf("%s %s: %w", method, o.URL, err))
	}
	defer resp.Body.Close()
	headersAt := time.Since(start)

	live := o.Err
	if o.Output != "" {
		live = o.Out
	}
	fmt.Fprintf(live, "%s %s → %s (%s) after %s\n", method, o.URL, resp.Status, resp.Header.Get("Content-Type"), cassette.FormatDuration(headersAt))
	view := newLiveView(live)
	var reader io.Reader = resp.Body
	if o.IdleTimeout > 0 {
		reader = &idleReader{r: resp.Body, d: o.IdleTimeout, cancel: cancel}
	}
	c := recorder.Tee(ctx, reader, start, nil, nil, func(ch recorder.Chunk) { view.chunk(ch) })
	view.close()
	red := recorder.DefaultRedaction.With(o.RedactHeader, o.RedactQuery)
	if red.JSON, err = jsonPaths(o.RedactJSON); err != nil {
		return err
	}
	it, err := recorder.Interaction(req, body, resp, headersAt, c, red)
	if err != nil {
		return inputError(err)
	}
	if errors.Is(context.Cause(ctx), errIdle) && it.Response.End != nil {
		it.Response.End.Reason, it.Response.End.Error = cassette.Timeout, errIdle.Error()
	}
	fmt.Fprintf(live, "%s after %s: %s\n", plural(view.events, "event"), cassette.FormatDuration(it.Response.End.At), it.Response.End.Reason)

	cas := existing
	if cas == nil {
		cas = &cassette.Cassette{Version: cassette.Version, Name: o.Name}
	}
	cas.Interactions = append(cas.Interactions, it)
	if o.Output == "" {
		data, err := cassette.Marshal(cas)
		if err != nil {
			return runtimeError(err)
		}
		if _, err := o.Out.Write(data); err != nil {
			return runtimeError(err)
		}
	} else if err := cassette.WriteFile(o.Output, cas); err != nil {
		return runtimeError(err)
	} else {
		fmt.Fprintf(live, "saved %s\n", o.Output)
	}
	if interrupted.Load() {
		return &exitError{code: exitInterrupted, err: errors.New("interrupted; what arrived was saved")}
	}
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

// liveView prints one line per event as chunks arrive.
type liveView struct {
	w      io.Writer
	p      *printer
	pw     *io.PipeWriter
	done   chan struct{}
	mu     sync.Mutex
	at     time.Duration
	events int
}

func newLiveView(w io.Writer) *liveView {
	pr, pw := io.Pipe()
	v := &liveView{w: w, pw: pw, done: make(chan struct{}), p: newPrinter(&inspectOptions{Color: colorOn(w), Excerpt: 60})}
	go func() {
		defer close(v.done)
		d := sse.NewDecoder(pr)
		for {
			e, err := d.Next()
			if err != nil {
				_, _ = io.Copy(io.Discard, pr)
				return
			}
			v.mu.Lock()
			v.events++
			typ := eventType(e.Type)
			pad := strings.Repeat(" ", max(0, 14-len(typ)))
			fmt.Fprintf(v.w, "%4d %10s  %s%s %s\n", v.events, cassette.FormatDuration(v.at), v.p.typeColor(e.Type).Sprint(typ), pad, v.p.excerpt(e.Data))
			v.mu.Unlock()
		}
	}()
	return v
}

func (v *liveView) chunk(c recorder.Chunk) {
	v.mu.Lock()
	v.at = c.At
	v.mu.Unlock()
	_, _ = v.pw.Write(c.Data)
}

func (v *liveView) close() {
	_ = v.pw.Close()
	<-v.done
}
