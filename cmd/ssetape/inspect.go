package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fatih/color"
	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/sse"
)

// inspectOptions holds the flags and streams of `ssetape inspect`.
type inspectOptions struct {
	ioStreams
	Target  string
	Format  string // text or json
	Color   bool
	Excerpt int // runes of data shown in text
	Secrets bool
}

func newInspectCmd(s ioStreams, runF func(*inspectOptions) error) *cobra.Command {
	opts := &inspectOptions{ioStreams: s}
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

// row is one line of the timeline.
type row struct {
	Kind       string // event, comment, retry, id, cut
	N          int
	At, Gap    time.Duration
	Start, End int64
	Type, ID   string
	Data       string
}

// streamView is the timeline of one stream.
type streamView struct {
	Rows      []row
	Timed     bool
	Events    int
	Bytes     int
	Chunks    int
	Discarded bool
}

func inspectRun(o *inspectOptions) error {
	t, err := loadTarget(o.Target, o.In)
	if err != nil {
		return err
	}
	if o.Secrets {
		return secretsRun(o, t)
	}
	p := newPrinter(o)
	if t.Cassette == nil {
		v, err := viewOf([]cassette.Chunk{{Data: t.Raw}}, false, 0)
		if err != nil {
			return inputError(fmt.Errorf("%s: %w", t.Name, err))
		}
		return p.stream(t.Name, 0, v, fmt.Sprintf("raw stream, %d bytes, %s", len(t.Raw), plural(v.Events, "event")), "")
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
		chunks, edited, err := r.Plan(false)
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
		if err := p.stream(t.Name, i+1, v, title, strings.Join(info, " · ")); err != nil {
			return err
		}
	}
	return nil
}

// secretsRun lists the values of a target that look like credentials.
func secretsRun(o *inspectOptions, t *target) error {
	c := t.Cassette
	if c == nil {
		c = &cassette.Cassette{Version: cassette.Version, Interactions: []*cassette.Interaction{{
			Response: cassette.Response{Body: t.Raw}}}}
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

// viewOf builds the timeline rows of a stream given as chunks.
func viewOf(chunks []cassette.Chunk, timed bool, headersAt time.Duration) (*streamView, error) {
	blocks, err := cassette.Timeline(chunks)
	if err != nil {
		return nil, err
	}
	v := &streamView{Timed: timed, Chunks: len(chunks)}
	for _, c := range chunks {
		v.Bytes += len(c.Data)
	}
	prev := headersAt
	for _, b := range blocks {
		r := row{At: b.At, Gap: b.At - prev, Start: b.Start, End: b.End}
		switch {
		case !b.Terminated:
			r.Kind, r.Data = "cut", fmt.Sprintf("%d bytes at the end are not a complete block: a client discards them", b.End-b.Start)
			v.Discarded = true
		case b.Dispatched:
			v.Events++
			r.Kind, r.N, r.Type, r.ID, r.Data = "event", v.Events, b.Event.Type, b.Event.LastEventID, b.Event.Data
		default:
			r.Kind = ""
			for _, l := range b.Lines {
				switch {
				case l.Kind == sse.Comment && r.Kind == "":
					r.Kind, r.Data = "comment", ":"+l.Value
				case l.Kind == sse.Retry && !l.Ignored:
					r.Kind, r.Data = "retry", "retry: "+l.Value
				case l.Kind == sse.ID && !l.Ignored:
					r.Kind, r.ID, r.Data = "id", l.Value, "id: "+l.Value
				}
			}
			if r.Kind == "" {
				continue // a blank line or unknown fields: nothing a client sees
			}
		}
		if r.Kind == "event" {
			prev = b.At
		}
		v.Rows = append(v.Rows, r)
	}
	return v, nil
}

// printer writes timelines as text or JSON.
type printer struct {
	o                                       *inspectOptions
	dim, bold, red, green, cyan, yellow, hi *color.Color
}

func newPrinter(o *inspectOptions) *printer {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if o.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return &printer{o: o, dim: mk(color.Faint), bold: mk(color.Bold), red: mk(color.FgRed), green: mk(color.FgGreen),
		cyan: mk(color.FgCyan), yellow: mk(color.FgYellow), hi: mk(color.FgMagenta)}
}

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

func (p *printer) stream(name string, interaction int, v *streamView, title, info string) error {
	if p.o.Format == "json" {
		enc := json.NewEncoder(p.o.Out)
		enc.SetEscapeHTML(false)
		for _, r := range v.Rows {
			if r.Kind != "event" {
				continue
			}
			je := jsonEvent{File: name, Interaction: interaction, Event: r.N, Start: r.Start, End: r.End,
				Type: eventType(r.Type), Name: r.Type, ID: r.ID, Size: len(r.Data), Data: r.Data}
			if v.Timed {
				at, gap := r.At.Microseconds(), r.Gap.Microseconds()
				je.At, je.AtUS, je.GapUS = cassette.FormatDuration(r.At), &at, &gap
			}
			if err := enc.Encode(je); err != nil {
				return err
			}
		}
		return nil
	}
	p.heading(name, title, info)
	t := &table{right: []bool{true, true, true, false, false, true, false}}
	if v.Timed {
		t.add(p.dim, "#", "AT", "GAP", "TYPE", "ID", "SIZE", "DATA")
	} else {
		t.right = []bool{true, true, false, false, true, false}
		t.add(p.dim, "#", "BYTES", "TYPE", "ID", "SIZE", "DATA")
	}
	for _, r := range v.Rows {
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
			cells = append(cells, cell{text: eventType(r.Type), c: p.typeColor(r.Type)}, id,
				cell{text: fmt.Sprint(len(r.Data))}, cell{text: p.excerpt(r.Data)})
		case "cut":
			cells = append(cells, cell{text: "(cut)", c: p.red}, cell{}, cell{}, cell{text: r.Data, c: p.red})
		default:
			cells = append(cells, cell{text: "(" + r.Kind + ")", c: p.dim}, cell{}, cell{}, cell{text: p.excerpt(r.Data), c: p.dim})
		}
		t.rows = append(t.rows, cells)
	}
	if err := t.write(p.o.Out); err != nil {
		return err
	}
	summary := fmt.Sprintf("%s, %d bytes", plural(v.Events, "event"), v.Bytes)
	if v.Timed && len(v.Rows) > 0 {
		summary += ", last at " + cassette.FormatDuration(v.Rows[len(v.Rows)-1].At)
	}
	if v.Discarded {
		summary += p.red.Sprint(", ends inside a block")
	}
	_, err := fmt.Fprintln(p.o.Out, p.dim.Sprint(summary)+"\n")
	return err
}

// plural writes "1 event", "2 events".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// eventType is what EventSource reports: "message" when no type was sent.
func eventType(t string) string {
	if t == "" {
		return "message"
	}
	return t
}

func (p *printer) typeColor(t string) *color.Color {
	switch {
	case t == "error" || strings.Contains(t, "error") || strings.HasSuffix(t, ".failed"):
		return p.red
	case t == "done" || t == "final_answer" || t == "message_stop" || t == "response.completed":
		return p.green
	case strings.HasPrefix(t, "tool"):
		return p.cyan
	case t == "thinking":
		return p.yellow
	}
	return p.hi
}

// excerpt shortens data to one printable line of at most o.Excerpt runes:
// line breaks shown as ⏎, other control characters as ·.
func (p *printer) excerpt(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == p.o.Excerpt {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n':
			b.WriteRune('⏎')
		case r == '\t':
			b.WriteRune(' ')
		case r == utf8.RuneError || unicode.IsControl(r):
			b.WriteRune('·')
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}

// cell is a table cell: its text, and a color for it (nil for none).
type cell struct {
	text string
	c    *color.Color
}

// table lays out rows in columns, measuring the plain text (colors are
// added after padding, so escape codes never count as width).
type table struct {
	right []bool
	rows  [][]cell
}

func (t *table) add(c *color.Color, headers ...string) {
	var cells []cell
	for _, h := range headers {
		cells = append(cells, cell{text: h, c: c})
	}
	t.rows = append(t.rows, cells)
}

func (t *table) write(w io.Writer) error {
	widths := make([]int, len(t.right))
	for _, r := range t.rows {
		for i, c := range r {
			widths[i] = max(widths[i], displayWidth(c.text))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			last := i == len(r)-1
			pad := strings.Repeat(" ", widths[i]-displayWidth(c.text))
			text := c.text
			if c.c != nil {
				text = c.c.Sprint(text)
			}
			switch {
			case t.right[i]:
				b.WriteString(pad + text)
			case last:
				b.WriteString(text)
			default:
				b.WriteString(text + pad)
			}
			if !last {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth counts columns: East Asian wide characters take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x1100 && (r <= 0x115F || (r >= 0x2E80 && r <= 0xA4CF) || (r >= 0xAC00 && r <= 0xD7A3) ||
			(r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFE30 && r <= 0xFE4F) || (r >= 0xFF00 && r <= 0xFF60) ||
			(r >= 0xFFE0 && r <= 0xFFE6) || (r >= 0x1F300 && r <= 0x1FAFF) || (r >= 0x20000 && r <= 0x3FFFD)) {
			n++
		}
	}
	return n
}
