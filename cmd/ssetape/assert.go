package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/fatih/color"
	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/sse"
)

// assertOptions holds the flags and streams of `ssetape assert`.
type assertOptions struct {
	ioStreams
	Targets  []string
	Contract string
	Format   string
	Color    bool
	// For live URLs, as in record.
	Method   string
	Headers  []string
	Data     string
	MaxTime  time.Duration
	FailFast bool
}

func newAssertCmd(s ioStreams, runF func(*assertOptions) error) *cobra.Command {
	o := &assertOptions{ioStreams: s}
	cmd := &cobra.Command{
		Use:   "assert [flags] TARGET...",
		Short: "Check that streams keep their contract",
		Long: `Check each TARGET against a stream contract: a cassette (each streamed interaction),
a raw SSE file, - for standard input (a cassette when it starts with version:, raw SSE
otherwise), or a URL: one live request (-X, -H, -d as in record), checked as the
events arrive (--fail-fast stops at the first broken rule).

A failure names the rule (AGT-1 ...), the event (number, offset, type, an excerpt of
its data) and what was expected there. Errors fail the check (exit status 1);
warnings are reported and do not. Unusable input exits with 2.

Contracts: the presets agent (the seed's agent protocol, AGT-1 to AGT-7), openai-chat
(OAI-CC-1 to 11), openai-responses (OAI-R-1 to 10), anthropic (ANT-1 to 11), gemini
(GEM-1 to 8), vercel-ai (VAI-1 to 9), langgraph (LG-1 to 10, LCE-1 to 6) and mcp
(MCP-1 to 6); a contract file of your own (rules and a sequence grammar); and auto,
which recognises the format from the stream (or, when the stream does not tell, from a
cassette's request path) and says which it chose, or, when no preset matches, runs the
generic SSE-1 to SSE-6 checks and says so. A cassette's recorded response headers are
checked too (VAI-1, MCP-1, LG-1's Content-Location). docs/contracts.md lists what each
preset checks.`,
		Example: `  ssetape assert -X POST -d '{"message":"hi"}' --fail-fast http://127.0.0.1:8080/api/chat
  ssetape assert fixtures/agent.yaml
  ssetape assert fixtures/openai-chat.yaml fixtures/anthropic.yaml   # auto picks each preset
  ssetape assert --contract agent fixtures/broken/*.sse
  curl -sN -X POST http://127.0.0.1:8080/api/chat | ssetape assert -
  ssetape assert --contract my-protocol.yaml --format junit recording.yaml > report.xml`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("assert needs at least one TARGET (a cassette, a .sse file or -)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.Targets = args
			switch o.Format {
			case "text", "json", "junit":
			default:
				return usageError("--format %q: want text, json or junit", o.Format)
			}
			o.Color = colorOn(o.Out)
			if runF != nil {
				return runF(o)
			}
			return assertRun(o)
		},
	}
	cmd.Flags().StringVar(&o.Contract, "contract", "auto", "the contract: auto, a preset (agent, openai-chat, openai-responses, anthropic, gemini, vercel-ai, langgraph, mcp), or a contract file (YAML)")
	cmd.Flags().StringVar(&o.Format, "format", "text", "report format: text, json (one object per stream) or junit")
	cmd.Flags().StringVarP(&o.Method, "request", "X", "", "for a URL: the method (GET, or POST with -d)")
	cmd.Flags().StringArrayVarP(&o.Headers, "header", "H", nil, "for a URL: a request header 'Name: value'; repeatable")
	cmd.Flags().StringVarP(&o.Data, "data", "d", "", "for a URL: the request body, or @FILE")
	cmd.Flags().DurationVar(&o.MaxTime, "max-time", 5*time.Minute, "for a URL: give up after this long")
	cmd.Flags().BoolVar(&o.FailFast, "fail-fast", false, "for a URL: stop at the first broken rule")
	return cmd
}

// stream is one stream of a target, for checking.
type stream struct {
	name   string
	events []assert.Event
	body   []byte
	status int         // 0 when unknown (a raw file)
	ctype  string      // "" when unknown
	path   string      // the request path; "" for a raw file
	header http.Header // the recorded response headers; nil for a raw file
}

// streamsOf returns the streams of a target, each as checker events with
// its raw body.
func streamsOf(t *target) ([]stream, error) {
	if t.Cassette == nil {
		evs, err := eventsOf([]cassette.Chunk{{Data: t.Raw}}, false)
		return []stream{{name: t.Name, events: evs, body: t.Raw}}, err
	}
	var out []stream
	for i, it := range t.Cassette.Interactions {
		if !it.Response.IsStream() {
			continue
		}
		chunks, _, err := it.Response.Plan(false)
		if err != nil {
			return nil, fmt.Errorf("interaction %d: %w", i+1, err)
		}
		evs, err := eventsOf(chunks, true)
		if err != nil {
			return nil, fmt.Errorf("interaction %d: %w", i+1, err)
		}
		var body []byte
		for _, c := range chunks {
			body = append(body, c.Data...)
		}
		out = append(out, stream{name: fmt.Sprintf("%s#%d %s %s", t.Name, i+1, it.Request.Method, it.Request.Path),
			events: evs, body: body, status: it.Response.Status, ctype: it.Response.Headers.Get("Content-Type"),
			path: it.Request.Path, header: http.Header(it.Response.Headers)})
	}
	return out, nil
}

// checkLive sends one request and checks the stream as its events arrive.
func (o *assertOptions) checkLive(url string, c *assert.Contract) (*assert.Report, error) {
	body := o.Data
	if strings.HasPrefix(body, "@") {
		b, err := os.ReadFile(body[1:])
		if err != nil {
			return nil, usageError("-d %s: %v", body, err)
		}
		body = string(b)
	}
	method := o.Method
	if method == "" {
		method = "GET"
		if o.Data != "" {
			method = "POST"
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.MaxTime)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return nil, usageError("%s: %v", url, err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if o.Data != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range o.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return nil, usageError("-H %q: want 'Name: value'", h)
		}
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, runtimeError(fmt.Errorf("%s %s: %w", method, url, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, runtimeError(fmt.Errorf("%s %s: status %s; nothing to check", method, url, resp.Status))
	}
	ch := c.New()
	d := sse.NewDecoder(resp.Body)
	var events []assert.Event
	for {
		e, err := d.Next()
		if err != nil {
			if err != io.EOF && !errors.Is(err, context.DeadlineExceeded) {
				fmt.Fprintf(o.Err, "ssetape: warning: %s: the stream broke off: %v\n", url, err)
			}
			break
		}
		ev := assert.Event{N: len(events) + 1, Event: e, At: time.Since(start), HasAt: true}
		events = append(events, ev)
		ch.Event(ev)
		if o.FailFast {
			for _, v := range assert.Found(ch) {
				if v.Severity == assert.Error {
					return &assert.Report{Target: method + " " + url, Contract: c.Name, Events: len(events), Violations: assert.Found(ch), Stream: events}, nil
				}
			}
		}
	}
	return &assert.Report{Target: method + " " + url, Contract: c.Name, Events: len(events), Violations: ch.End(), Stream: events}, nil
}

func eventsOf(chunks []cassette.Chunk, timed bool) ([]assert.Event, error) {
	blocks, err := cassette.Timeline(chunks)
	if err != nil {
		return nil, err
	}
	var out []assert.Event
	for _, b := range blocks {
		if b.Dispatched {
			out = append(out, assert.Event{N: len(out) + 1, Event: b.Event, At: b.At, HasAt: timed})
		}
	}
	return out, nil
}

func presetNames() []string {
	var names []string
	for n := range assert.Presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// contractNamed resolves --contract: a preset name, or a contract file.
func contractNamed(name string) (*assert.Contract, error) {
	if name == "auto" {
		return nil, nil
	}
	if c, ok := assert.Presets[name]; ok {
		return c, nil
	}
	if _, err := os.Stat(name); err != nil {
		return nil, usageError("--contract %q: neither a preset (auto, %s) nor a contract file", name, strings.Join(presetNames(), ", "))
	}
	c, err := assert.LoadContract(name)
	if err != nil {
		return nil, inputError(err)
	}
	return c, nil
}

func assertRun(o *assertOptions) error {
	contract, err := contractNamed(o.Contract)
	if err != nil {
		return err
	}
	var reports []*assert.Report
	for _, name := range o.Targets {
		if strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://") {
			c := contract
			if c == nil {
				c = assert.Agent // auto: a live stream cannot be looked at first
			}
			r, err := o.checkLive(name, c)
			if err != nil {
				return err
			}
			reports = append(reports, r)
			continue
		}
		t, err := loadTarget(name, o.In)
		if err != nil {
			return err
		}
		streams, err := streamsOf(t)
		if err != nil {
			return inputError(fmt.Errorf("%s: %w", t.Name, err))
		}
		if len(streams) == 0 {
			return usageError("%s: no streamed interaction to check", t.Name)
		}
		for _, st := range streams {
			c := contract
			if c == nil {
				c = assert.Auto(st.events, st.path)
			}
			if c == assert.Generic {
				// No preset matched: the generic checks of FORMATS.md §1.
				r := assert.Check(assert.Generic, st.name, st.events)
				r.Violations = append(assert.CheckRaw(st.status, st.ctype, st.body), r.Violations...)
				r.Contract, r.Auto = "generic SSE checks (no preset matched)", true
				reports = append(reports, r)
				continue
			}
			r := assert.Check(c, st.name, st.events)
			r.Violations = append(assert.CheckHeaders(c, st.header, st.events), r.Violations...)
			r.Auto = contract == nil
			reports = append(reports, r)
		}
	}
	switch o.Format {
	case "json":
		enc := json.NewEncoder(o.Out)
		enc.SetEscapeHTML(false)
		for _, r := range reports {
			if r.Violations == nil {
				r.Violations = []assert.Violation{}
			}
			if err = enc.Encode(r); err != nil {
				break
			}
		}
	case "junit":
		err = writeJUnit(o, reports)
	default:
		writeText(o, reports)
	}
	if err != nil {
		return runtimeError(err)
	}
	failed := 0
	for _, r := range reports {
		if !r.Passed() {
			failed++
		}
	}
	if failed > 0 {
		return &exitError{code: exitCheckFailed, err: fmt.Errorf("%d of %d streams broke their contract", failed, len(reports))}
	}
	return nil
}

func writeText(o *assertOptions, reports []*assert.Report) {
	mk := func(a ...color.Attribute) *color.Color {
		c := color.New(a...)
		if o.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	red, yellow, green, dim, bold := mk(color.FgRed), mk(color.FgYellow), mk(color.FgGreen), mk(color.Faint), mk(color.Bold)
	for _, r := range reports {
		mark, summary := green.Sprint("✓"), "passed"
		if !r.Passed() {
			mark, summary = red.Sprint("✗"), plural(r.Errors(), "error")
		}
		if w := len(r.Violations) - r.Errors(); w > 0 {
			summary += ", " + plural(w, "warning")
		}
		name := r.Contract
		if r.Auto && !strings.Contains(name, "no preset matched") {
			name += " (chosen by auto)"
		}
		fmt.Fprintf(o.Out, "%s %s · %s · %s · %s\n", mark, bold.Sprint(r.Target), name, plural(r.Events, "event"), summary)
		for _, v := range r.Violations {
			sev := red.Sprint(string(v.Severity))
			if v.Severity == assert.Warning {
				sev = yellow.Sprint(string(v.Severity))
			}
			where := fmt.Sprintf("event %d", v.Event)
			switch {
			case v.Event == 0 && v.Offset > 0: // the raw body
				where = fmt.Sprintf("byte %d", v.Offset)
			case v.Event == 0: // the response as a whole: its status or headers
				where = "the response"
			default:
				if v.Type != "" {
					where += " " + v.Type
				}
				if v.At != "" {
					where += " at " + v.At
				} else {
					where += fmt.Sprintf(" at byte %d", v.Offset)
				}
			}
			fmt.Fprintf(o.Out, "  %s %s %s: %s\n", bold.Sprint(v.Rule), sev, where, v.Message)
			// The offending event with its neighbours.
			for n := v.Event - 1; v.Event > 0 && n <= v.Event+1; n++ {
				if n < 1 || n > len(r.Stream) {
					continue
				}
				e := r.Stream[n-1]
				line := fmt.Sprintf("      %3d  %-14s %s", n, e.TypeName(), excerptOf(e.Data, 70))
				if n == v.Event {
					fmt.Fprintln(o.Out, "    >"+line[5:])
				} else {
					fmt.Fprintln(o.Out, dim.Sprint(line))
				}
			}
		}
	}
}

func excerptOf(s string, n int) string {
	p := newPrinter(&inspectOptions{Excerpt: n})
	return p.excerpt(s)
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(o *assertOptions, reports []*assert.Report) error {
	suite := junitSuite{Name: "ssetape assert"}
	for _, r := range reports {
		c := junitCase{Name: r.Target, Classname: "ssetape." + r.Contract}
		var fails, warns []string
		for _, v := range r.Violations {
			line := fmt.Sprintf("%s %s at event %d (%s): %s", v.Rule, v.Severity, v.Event, v.Type, v.Message)
			if v.Severity == assert.Error {
				fails = append(fails, line)
			} else {
				warns = append(warns, line)
			}
		}
		if len(fails) > 0 {
			c.Failure = &junitFailure{Message: fails[0], Type: r.Violations[0].Rule, Text: strings.Join(fails, "\n")}
			suite.Failures++
		}
		c.SystemOut = strings.Join(warns, "\n")
		suite.Cases = append(suite.Cases, c)
		suite.Tests++
	}
	doc := junitSuites{Name: "ssetape", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	if _, err := fmt.Fprint(o.Out, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(o.Out)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := fmt.Fprintln(o.Out)
	return err
}
