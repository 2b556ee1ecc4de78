package cassette

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ssetape/ssetape/internal/yamlschema"
	"github.com/ssetape/ssetape/sse"
	"github.com/ssetape/ssetape/synth"
)

// Synth is a response's synth: block (docs/synthesis.md): a stream made
// from a script at load, in place of recorded entries. Load expands it
// into the response's entries, so every loader sees the events; Save writes
// the block back as it was written, not its expansion.
type Synth struct {
	Wire    string
	Script  synth.Script
	Profile string
	Pacing  synth.Pacing
	Seed    uint64
	// LineEnding is the format's, which the entries are written with.
	LineEnding sse.LineEnding
	// node is the block as written, for Save; nodes its fields by key,
	// for the place of a script's problem.
	node  *yaml.Node
	nodes map[string]*yaml.Node
	// bad says the block itself is wrong (already reported): it is not
	// expanded.
	bad bool
	// Which of the interaction's fields were left out and took the
	// format's defaults: Save leaves them out again.
	defaultRequest, defaultStatus, defaultHeaders bool
}

// synthBlock reads a response's synth: block.
func (l *loader) synthBlock(n *yaml.Node, key string) *Synth {
	sb := &Synth{node: n, Seed: 1, Profile: synth.DefaultProfile}
	// The block is read, expanded and saved with its aliases followed.
	if l.tooManyValues(n, key, "block") {
		sb.bad = true
		return sb
	}
	nodes := map[string]*yaml.Node{}
	fs := l.scriptFields(&sb.Script, nodes)
	var pacing struct{ ttft, tps, jitter, think *yaml.Node }
	fs["wire"] = func(n *yaml.Node, key string) {
		nodes[key] = n
		sb.Wire, _ = l.Str(n, key)
	}
	fs["profile"] = func(n *yaml.Node, key string) { nodes[key] = n; sb.Profile, _ = l.Str(n, key) }
	fs["ttft"] = func(n *yaml.Node, key string) { pacing.ttft = n }
	fs["tps"] = func(n *yaml.Node, key string) { pacing.tps = n }
	fs["jitter"] = func(n *yaml.Node, key string) { pacing.jitter = n }
	fs["think"] = func(n *yaml.Node, key string) { pacing.think = n }
	fs["seed"] = func(n *yaml.Node, key string) {
		if v, ok := l.Int(n, key); ok {
			if v < 0 {
				l.Fail(n, key, fmt.Sprintf("%d is negative", v), "a seed is a whole number, 0 or more")
			}
			sb.Seed = uint64(v)
		}
	}
	l.Mapping(n, key, fs, "wire")
	p, err := synth.Profile(sb.Profile)
	if err != nil {
		l.Fail(nodes[key+".profile"], key+".profile", err.Error(), "or give ttft and tps")
		sb.bad = true
		return sb
	}
	if pacing.ttft != nil {
		p.TTFT, _ = l.Dur(pacing.ttft, key+".ttft")
	}
	if pacing.jitter != nil {
		p.Jitter, _ = l.Dur(pacing.jitter, key+".jitter")
	}
	if pacing.think != nil {
		p.Think, _ = l.Dur(pacing.think, key+".think")
	}
	if pacing.tps != nil {
		if v, err := strconv.ParseFloat(pacing.tps.Value, 64); err != nil || pacing.tps.Kind != yaml.ScalarNode || !(v > 0) {
			l.Fail(pacing.tps, key+".tps", fmt.Sprintf("%q is not a number of tokens per second", pacing.tps.Value), "write it like tps: 60")
		} else {
			p.TPS = v
		}
		nodes[key+".tps"] = pacing.tps
	}
	sb.Pacing = p
	sb.nodes = nodes
	return sb
}

// expand makes the response's entries, and its request, status and
// headers where they were left out, from the block. A problem of the
// script is reported at its field's line (or the nearest enclosing one's).
func (l *loader) expand(it *Interaction, key string, sb *Synth) {
	if sb.bad || sb.Wire == "" {
		return // reported where it was read
	}
	st, err := synth.Synthesize(sb.Wire, &sb.Script, synth.Options{Pacing: sb.Pacing, Seed: sb.Seed})
	if err != nil {
		var fe *synth.FieldError
		field := ""
		if errors.As(err, &fe) {
			field = fe.Field
			err = errors.New(fe.Msg)
		}
		where := key + ".response.synth" + dotted(field)
		l.Fail(sb.nodeAt(where), where, err.Error(), "see docs/synthesis.md")
		return
	}
	r := &it.Response
	if sb.defaultRequest {
		it.Request = Request{Method: st.Method, Path: st.Path}
		if it.Match.IsZero() {
			it.Match.Body.Mode = BodyAny
		}
	}
	if sb.defaultStatus {
		r.Status = st.Status
	}
	if sb.defaultHeaders {
		r.Headers = Headers{}
		for k, v := range st.Header {
			r.Headers[k] = v
		}
	}
	r.Entries = make([]Entry, 0, len(st.Events))
	for _, e := range st.Events {
		if e.IsComment {
			r.Entries = append(r.Entries, Entry{At: e.At, Comment: e.Comment})
			continue
		}
		r.Entries = append(r.Entries, Entry{At: e.At, Event: e.Type, Data: e.Data, HasData: true, ID: e.ID, HasID: e.ID != ""})
	}
	r.End = &End{At: st.End, Reason: EOF}
	sb.LineEnding = st.LineEnding
}

func dotted(field string) string {
	if field == "" {
		return ""
	}
	if strings.HasPrefix(field, "[") {
		return field
	}
	return "." + field
}

// nodeAt is the node of a key in the block, or of the nearest key that
// holds it, or the block's.
func (sb *Synth) nodeAt(key string) *yaml.Node {
	for k := key; k != ""; {
		if n, ok := sb.nodes[k]; ok {
			return n
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return sb.node
}

// yamlNode is the block for Save: as it was written (without its comments'
// positions, which the encoder does not use), or, for a block made in
// code, built from its fields.
func (sb *Synth) yamlNode() *yaml.Node {
	if sb.node != nil {
		return cloneNode(sb.node)
	}
	n := mapping(false)
	add(n, "wire", str(sb.Wire))
	s := sb.Script
	for _, f := range []struct{ k, v string }{{"model", s.Model}, {"reasoning", s.Reasoning}, {"text", s.Text}, {"finish", s.Finish}} {
		if f.v != "" {
			add(n, f.k, str(f.v))
		}
	}
	if len(s.ToolCalls) > 0 {
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, tc := range s.ToolCalls {
			m := mapping(true)
			if tc.ID != "" {
				add(m, "id", str(tc.ID))
			}
			add(m, "name", str(tc.Name))
			add(m, "arguments", str(string(tc.Arguments)))
			if len(tc.Result) > 0 {
				add(m, "result", jsonNode(tc.Result))
			}
			list.Content = append(list.Content, m)
		}
		add(n, "tool_calls", list)
	}
	if u := s.Usage; u != nil {
		m := mapping(true)
		add(m, "input_tokens", intNode(u.InputTokens))
		add(m, "output_tokens", intNode(u.OutputTokens))
		add(n, "usage", m)
	}
	if e := s.Error; e != nil {
		m := mapping(true)
		if e.Message != "" {
			add(m, "message", str(e.Message))
		}
		if e.AfterTokens != nil {
			add(m, "after_tokens", intNode(*e.AfterTokens))
		}
		if e.Type != "" {
			add(m, "type", str(e.Type))
		}
		add(n, "error", m)
	}
	if sb.Profile != "" && sb.Profile != synth.DefaultProfile {
		add(n, "profile", str(sb.Profile))
	}
	if sb.Seed != 1 {
		add(n, "seed", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(sb.Seed, 10)})
	}
	return n
}

// jsonNode is a JSON value as YAML (JSON is YAML): in flow style, as
// written.
func jsonNode(b []byte) *yaml.Node {
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return str(string(b))
	}
	v := doc.Content[0]
	v.Style |= yaml.FlowStyle
	return cloneNode(v)
}

// cloneNode copies a node tree, without its position (an alias is
// written as the value it names).
func cloneNode(n *yaml.Node) *yaml.Node {
	n = yamlschema.Resolve(n)
	c := *n
	c.Line, c.Column = 0, 0
	c.Content = nil
	for _, k := range n.Content {
		c.Content = append(c.Content, cloneNode(k))
	}
	return &c
}

// maxSynthNodes bounds a synth: block's or a script's values, aliases
// followed. A real script has tens to hundreds (its text is one value);
// 10,000 leaves room for a long content: list and keeps the worst a few
// lines of aliases can ask for to milliseconds.
const maxSynthNodes = 10_000

// tooManyValues fails a synth: block or a script (what) that holds more
// than maxSynthNodes values once its aliases are followed: a few lines of
// nested aliases must not grow into billions of nodes.
func (l *loader) tooManyValues(n *yaml.Node, key, what string) bool {
	if expandedSize(n, 0, maxSynthNodes) <= maxSynthNodes {
		return false
	}
	l.Fail(n, key, fmt.Sprintf("the %s holds more than %d values once its aliases are followed", what, maxSynthNodes), "write it without nested aliases")
	return true
}

// expandedSize counts a node's values with its aliases followed, stopping
// once past limit (or 100 levels deep, which counts as past it).
func expandedSize(n *yaml.Node, depth, limit int) int {
	if depth > 100 {
		return limit + 1
	}
	n = yamlschema.Resolve(n)
	total := 1
	for _, c := range n.Content {
		total += expandedSize(c, depth+1, limit-total)
		if total > limit {
			return total
		}
	}
	return total
}

// SynthInteraction makes a synthesized stream an interaction, as a
// recording would hold it: its events as wire chunks (one per event, in
// the format's line ending) with the entries derived from them, the
// format's request, matching any body.
func SynthInteraction(st *synth.Stream) (*Interaction, error) {
	chunks := make([]Chunk, 0, len(st.Events))
	for _, e := range st.Events {
		m := sse.Message{Event: e.Type, Data: e.Data, HasData: true, ID: e.ID, HasID: e.ID != ""}
		if e.IsComment {
			m = sse.Message{Comment: e.Comment}
		}
		b, err := sse.AppendMessage(nil, m, st.LineEnding)
		if err != nil {
			return nil, err
		}
		chunks = append(chunks, Chunk{At: e.At, Data: b})
	}
	it := &Interaction{Request: Request{Method: st.Method, Path: st.Path}}
	it.Match.Body.Mode = BodyAny
	it.Response.Status = st.Status
	it.Response.Headers = Headers(st.Header)
	if err := it.Response.SetChunks(chunks); err != nil {
		return nil, err
	}
	it.Response.End = &End{At: st.End, Reason: EOF}
	return it, nil
}
