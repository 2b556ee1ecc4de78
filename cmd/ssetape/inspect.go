package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/sse"
)

// inspectOptions holds the flags of `ssetape inspect` and what it gets from
// outside (env).
type inspectOptions struct {
	*env
	Target  string
	Format  string // text or json
	Color   bool
	Excerpt int // runes of data shown in text
	Secrets bool
}

func newInspectCmd(e *env, runF func(*inspectOptions) error) *cobra.Command {
	opts := &inspectOptions{env: e}
	cmd := &cobra.Command{
		Use:   "inspect [flags] [TARGET]",
		Short: "Show the timeline of a cassette or a raw SSE stream",
		Long: `Show a timeline of the events in TARGET: a cassette (.yaml), a raw SSE stream
(.sse or any other file), or - for standard input (a cassette when it starts with
version:, raw SSE otherwise). Without TARGET, the built-in sample agent cassette.

Each line is one event, numbered from 1 as every ssetape command numbers them, with
its offset from the request (AT), the time since the previous one (GAP), its type
(message when the stream sent none), the last event id, the size of its data and
an excerpt. Comments, retry lines and id-only blocks are shown between events
without a number. A raw stream has no times, so its lines show byte offsets.

For a recorded cassette the timeline is what a client receives on replay: the wire
bytes, or the entries when they were edited after recording (a warning says so).`,
		Example: `  ssetape inspect fixtures/agent.yaml
  ssetape inspect --format json fixtures/raw/agent-crlf.sse | jq .type
  ssetape inspect --secrets recorded.yaml          # exit 1 when a credential is left in it
  curl -sN -X POST http://127.0.0.1:8080/api/chat | ssetape inspect -`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError("inspect takes one TARGET, got %d: %q", len(args), args)
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Target = args[0]
			}
			if opts.Format != "text" && opts.Format != "json" {
				return usageError("--format %q: want text or json", opts.Format)
			}
			opts.Color = colorOn(opts.Out)
			if runF != nil {
				return runF(opts)
			}
			return inspectRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output format: text (a table) or json (one object per event)")
	cmd.Flags().IntVar(&opts.Excerpt, "excerpt", 60, "characters of data to show per event in text output")
	cmd.Flags().BoolVar(&opts.Secrets, "secrets", false, "instead of the timeline, list values that look like credentials (exit 1 when there are any)")
	return cmd
}

func inspectRun(o *inspectOptions) error {
	t, err := loadTarget(o.Target, o.In)
	if err != nil {
		return err
	}
	defer t.Close()
	if o.Secrets {
		return secretsRun(o, t)
	}
	p := newPrinter(o)
	if t.Cassette == nil {
		v := &streamView{}
		return p.stream(t.Name, 0, v, rawRows(t.Raw, v), "raw stream", "")
	}
	c := t.Cassette
	if len(c.Interactions) == 0 {
		fmt.Fprintf(o.Err, "%s: the cassette has no interactions\n", t.Name)
		return nil
	}
	for i, it := range c.Interactions {
		r := &it.Response
		title := fmt.Sprintf("interaction %d of %d · %s %s → %d", i+1, len(c.Interactions), it.Request.Method, it.Request.Path, r.Status)
		if ct := r.Headers.Get("Content-Type"); ct != "" {
			title += " " + ct
		}
		if !r.IsStream() {
			p.heading(t.Name, title, fmt.Sprintf("not a stream: a %d-byte body", len(r.Body)))
			continue
		}
		chunks, edited, err := r.Chunks(false)
		if err != nil {
			return inputError(fmt.Errorf("%s: interaction %d: %w", t.Name, i+1, err))
		}
		if edited {
			fmt.Fprintf(o.Err, "ssetape: warning: %s: interaction %d (line %d): the entries were edited after recording; showing the entries, as replay would send them\n", t.Name, i+1, it.Line)
		}
		v, err := viewOf(chunks, true, r.HeadersAt)
		if err != nil {
			return inputError(fmt.Errorf("%s: interaction %d: %w", t.Name, i+1, err))
		}
		var info []string
		switch {
		case r.Wire != nil && !edited:
			info = append(info, fmt.Sprintf("recorded: wire bytes exact (%s, %d chunks)", r.Wire.LineEnding, len(chunks)))
		case edited:
			info = append(info, fmt.Sprintf("recorded, entries edited: one chunk per entry (%s)", r.Wire.LineEnding))
		case r.Synth != nil:
			info = append(info, fmt.Sprintf("synthesized: %s, profile %s, seed %d, one chunk per event (%s)", r.Synth.Wire, r.Synth.Profile, r.Synth.Seed, r.Synth.LineEnding))
		default:
			info = append(info, "hand-written: one chunk per entry (lf)")
		}
		info = append(info, "headers at "+cassette.FormatDuration(r.HeadersAt))
		if r.End != nil {
			e := fmt.Sprintf("ended %s at %s", r.End.Reason, cassette.FormatDuration(r.End.At))
			if r.End.Error != "" {
				e += ": " + r.End.Error
			}
			info = append(info, e)
		}
		if len(it.Faults) > 0 {
			info = append(info, "faults "+strings.Join(it.Faults, "; "))
		}
		if err := p.stream(t.Name, i+1, v, v.rows, title, strings.Join(info, " · ")); err != nil {
			return err
		}
	}
	return nil
}

// secretsRun lists the values of a target that look like credentials.
func secretsRun(o *inspectOptions, t *target) error {
	c := t.Cassette
	if c == nil {
		// Secrets are looked for in the whole body at once (a match may
		// span any two reads), within the cassette size limit.
		body, err := io.ReadAll(io.LimitReader(t.Raw, cassette.MaxFileSize+1))
		if err != nil {
			return inputError(fmt.Errorf("%s: %w", t.Name, err))
		}
		if len(body) > cassette.MaxFileSize {
			return usageError("%s: larger than %d MiB", t.Name, cassette.MaxFileSize>>20)
		}
		c = &cassette.Cassette{Version: cassette.Version, Interactions: []*cassette.Interaction{{
			Response: cassette.Response{Body: body}}}}
	}
	found := cassette.FindSecrets(c)
	if o.Format == "json" {
		enc := json.NewEncoder(o.Out)
		for _, s := range found {
			if err := enc.Encode(map[string]any{"file": t.Name, "interaction": s.Interaction, "where": s.Where, "kind": s.Kind, "masked": s.Masked}); err != nil {
				return err
			}
		}
	} else {
		for _, s := range found {
			where := s.Where
			if t.Cassette != nil {
				where = fmt.Sprintf("interaction %d · %s", s.Interaction, s.Where)
			}
			fmt.Fprintf(o.Out, "%s · %s: %s %s\n", t.Name, where, s.Kind, s.Masked)
		}
		if len(found) == 0 {
			fmt.Fprintf(o.Out, "%s: nothing that looks like a credential\n", t.Name)
		}
	}
	if len(found) > 0 {
		return &exitError{code: exitCheckFailed, err: fmt.Errorf("%s: %s that look like credentials; redact them (REDACTED) before committing", t.Name, plural(len(found), "value"))}
	}
	return nil
}

// printer writes timelines as text (a table) or JSON.
type printer struct {
	o *inspectOptions
	*palette
}

func newPrinter(o *inspectOptions) *printer {
	return &printer{o: o, palette: newPalette(o.Color)}
}

// excerpt shortens data to the --excerpt width.
func (p *printer) excerpt(s string) string { return excerpt(s, p.o.Excerpt) }

func (p *printer) heading(name, title, info string) {
	if p.o.Format == "json" {
		return
	}
	fmt.Fprintf(p.o.Out, "%s · %s\n", p.bold.Sprint(name), p.bold.Sprint(title))
	if info != "" {
		fmt.Fprintln(p.o.Out, p.dim.Sprint(info))
	}
}

// jsonEvent is one line of --format json.
type jsonEvent struct {
	File        string `json:"file"`
	Interaction int    `json:"interaction,omitempty"`
	Event       int    `json:"event"`
	At          string `json:"at,omitempty"`
	AtUS        *int64 `json:"at_us,omitempty"`
	GapUS       *int64 `json:"gap_us,omitempty"`
	Start       int64  `json:"start"`
	End         int64  `json:"end"`
	Type        string `json:"type"`
	Name        string `json:"event_name"`
	ID          string `json:"id"`
	Size        int    `json:"size"`
	Data        string `json:"data"`
}

// stream writes one stream's timeline: rows comes from src, which may
// decode them as they arrive (a raw stream), and fills v's counts as it
// goes. Text output lays out the first rows to set the column widths, then
// writes each row as it comes: the whole table is never held.
func (p *printer) stream(name string, interaction int, v *streamView, src rowSource, title, info string) error {
	if p.o.Format == "json" {
		enc := json.NewEncoder(p.o.Out)
		enc.SetEscapeHTML(false)
		return src(func(r row) error {
			if r.Kind != "event" {
				return nil
			}
			je := jsonEvent{File: name, Interaction: interaction, Event: r.N, Start: r.Start, End: r.End,
				Type: sse.TypeName(r.Type), Name: r.Type, ID: r.ID, Size: len(r.Data), Data: r.Data}
			if v.Timed {
				at, gap := r.At.Microseconds(), r.Gap.Microseconds()
				je.At, je.AtUS, je.GapUS = cassette.FormatDuration(r.At), &at, &gap
			}
			return enc.Encode(je)
		})
	}
	p.heading(name, title, info)
	t := &table{right: []bool{true, true, true, false, false, true, false}}
	if v.Timed {
		t.add(p.dim, "#", "AT", "GAP", "TYPE", "ID", "SIZE", "DATA")
	} else {
		t.right = []bool{true, true, false, false, true, false}
		t.add(p.dim, "#", "BYTES", "TYPE", "ID", "SIZE", "DATA")
	}
	var last row
	err := src(func(r row) error {
		last = r
		return t.push(p.o.Out, p.cells(v, r))
	})
	if err != nil {
		return err
	}
	if err := t.flush(p.o.Out); err != nil {
		return err
	}
	summary := fmt.Sprintf("%s, %d bytes", plural(v.Events, "event"), v.Bytes)
	if v.Timed && last.Kind != "" {
		summary += ", last at " + cassette.FormatDuration(last.At)
	}
	if v.Discarded {
		summary += p.red.Sprint(", ends inside a block")
	}
	_, err = fmt.Fprintln(p.o.Out, p.dim.Sprint(summary)+"\n")
	return err
}

// cells are a row's table cells.
func (p *printer) cells(v *streamView, r row) []cell {
	cells := []cell{{text: "-"}}
	if v.Timed {
		cells = append(cells, cell{text: cassette.FormatDuration(r.At)}, cell{text: "+" + cassette.FormatDuration(r.Gap), c: p.dim})
	} else {
		cells = append(cells, cell{text: fmt.Sprintf("%d-%d", r.Start, r.End), c: p.dim})
	}
	switch r.Kind {
	case "event":
		id := cell{text: r.ID}
		if r.ID == "" {
			id = cell{text: "-", c: p.dim}
		}
		cells[0].text = fmt.Sprint(r.N)
		cells = append(cells, cell{text: sse.TypeName(r.Type), c: p.typeColor(r.Type)}, id,
			cell{text: fmt.Sprint(len(r.Data))}, cell{text: p.excerpt(r.Data)})
	case "cut":
		cells = append(cells, cell{text: "(cut)", c: p.red}, cell{}, cell{}, cell{text: r.Data, c: p.red})
	default:
		cells = append(cells, cell{text: "(" + r.Kind + ")", c: p.dim}, cell{}, cell{}, cell{text: p.excerpt(r.Data), c: p.dim})
	}
	return cells
}
