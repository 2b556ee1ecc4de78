package cassette

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/ssetape/ssetape/internal/yamlschema"
	"github.com/ssetape/ssetape/synth"
)

// Reading a synthesis script's fields, for a synth: block and for a
// script file alike, with the YAML values of arguments and results turned
// into JSON in the order written.

// scriptFields are the script's fields, shared by a synth: block and a
// script file (ssetape synth SCRIPT).
func (l *loader) scriptFields(s *synth.Script, nodes map[string]*yaml.Node) yamlschema.Fields {
	keep := func(key string, n *yaml.Node) { nodes[key] = n }
	str := func(dst *string) func(n *yaml.Node, key string) {
		return func(n *yaml.Node, key string) {
			keep(key, n)
			*dst, _ = l.StrOrEmpty(n, key)
		}
	}
	return yamlschema.Fields{
		"model":     str(&s.Model),
		"reasoning": str(&s.Reasoning),
		"text":      str(&s.Text),
		"finish":    str(&s.Finish),
		"tool_calls": func(n *yaml.Node, key string) {
			keep(key, n)
			if n.Kind != yaml.SequenceNode {
				l.Fail(n, key, "must be a list of tool calls", "write - {name: get_weather, arguments: {city: Lisbon}}")
				return
			}
			for i, item := range n.Content {
				s.ToolCalls = append(s.ToolCalls, l.toolCall(yamlschema.Resolve(item), fmt.Sprintf("%s[%d]", key, i), nodes))
			}
		},
		"content": func(n *yaml.Node, key string) {
			keep(key, n)
			if n.Kind != yaml.SequenceNode {
				l.Fail(n, key, "must be a list of parts", "write - text: \"...\" or - tool_call: {...}")
				return
			}
			for i, item := range n.Content {
				s.Content = append(s.Content, l.part(yamlschema.Resolve(item), fmt.Sprintf("%s[%d]", key, i), nodes))
			}
		},
		"usage": func(n *yaml.Node, key string) {
			keep(key, n)
			u := &synth.Usage{}
			l.Mapping(n, key, yamlschema.Fields{
				"input_tokens":  func(n *yaml.Node, key string) { u.InputTokens = l.count(n, key) },
				"output_tokens": func(n *yaml.Node, key string) { u.OutputTokens = l.count(n, key) },
			}, "input_tokens", "output_tokens")
			s.Usage = u
		},
		"error": func(n *yaml.Node, key string) {
			keep(key, n)
			e := &synth.Error{}
			l.Mapping(n, key, yamlschema.Fields{
				"message": func(n *yaml.Node, key string) { keep(key, n); e.Message, _ = l.StrOrEmpty(n, key) },
				"type":    func(n *yaml.Node, key string) { keep(key, n); e.Type, _ = l.Str(n, key) },
				"after_tokens": func(n *yaml.Node, key string) {
					keep(key, n)
					v := l.count(n, key)
					e.AfterTokens = &v
				},
			})
			s.Error = e
		},
	}
}

// count reads a count: a whole number, not negative.
func (l *loader) count(n *yaml.Node, key string) int {
	v, ok := l.Int(n, key)
	if ok && v < 0 {
		l.Fail(n, key, fmt.Sprintf("%d is negative", v), "a count is 0 or more")
		return 0
	}
	return v
}

func (l *loader) toolCall(n *yaml.Node, key string, nodes map[string]*yaml.Node) synth.ToolCall {
	nodes[key] = n
	var tc synth.ToolCall
	l.Mapping(n, key, yamlschema.Fields{
		"id":   func(n *yaml.Node, key string) { tc.ID, _ = l.Str(n, key) },
		"name": func(n *yaml.Node, key string) { nodes[key] = n; tc.Name, _ = l.Str(n, key) },
		"arguments": func(n *yaml.Node, key string) {
			nodes[key] = n
			tc.Arguments = l.jsonValue(n, key, true)
		},
		"result": func(n *yaml.Node, key string) {
			nodes[key] = n
			tc.Result = l.jsonValue(n, key, false)
		},
	}, "name")
	return tc
}

// part reads one part of content: a mapping with exactly one of text,
// reasoning, refusal, delta, tool_call.
func (l *loader) part(n *yaml.Node, key string, nodes map[string]*yaml.Node) synth.Part {
	nodes[key] = n
	var p synth.Part
	text := func(dst **string) func(n *yaml.Node, key string) {
		return func(n *yaml.Node, key string) {
			if s, ok := l.StrOrEmpty(n, key); ok {
				*dst = &s
			}
		}
	}
	l.Mapping(n, key, yamlschema.Fields{
		"text":      text(&p.Text),
		"reasoning": text(&p.Reasoning),
		"refusal":   text(&p.Refusal),
		"delta": func(n *yaml.Node, key string) {
			if s, ok := l.StrOrEmpty(n, key); ok && s != "" {
				l.Fail(n, key, "a delta part is an empty text delta", `write - delta: ""`)
			}
			p.Delta = true
		},
		"tool_call": func(n *yaml.Node, key string) {
			tc := l.toolCall(n, key, nodes)
			p.ToolCall = &tc
		},
	})
	return p
}

// jsonValue reads a YAML value as JSON, keys in the order written: a
// mapping, a list or a scalar; a string is taken as JSON text when object
// says the value must be an object (arguments given as a JSON string).
func (l *loader) jsonValue(n *yaml.Node, key string, object bool) json.RawMessage {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && object {
		if !json.Valid([]byte(n.Value)) {
			l.Fail(n, key, "is a string that is not JSON", "write the arguments as a mapping, or as a JSON object in quotes")
			return nil
		}
		return json.RawMessage(n.Value)
	}
	var b bytes.Buffer
	if err := nodeJSON(&b, n); err != nil {
		l.Fail(n, key, err.Error(), "write it as a mapping, a list or a plain value")
		return nil
	}
	return json.RawMessage(b.String())
}

// nodeJSON writes a YAML node as JSON.
func nodeJSON(b *bytes.Buffer, n *yaml.Node) error {
	n = yamlschema.Resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			b.Write(k)
			b.WriteByte(':')
			if err := nodeJSON(b, n.Content[i+1]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := nodeJSON(b, item); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			b.WriteString("null")
		case "!!bool":
			b.WriteString(n.Value)
		case "!!int", "!!float":
			f, err := strconv.ParseFloat(n.Value, 64)
			if err != nil || !json.Valid([]byte(n.Value)) {
				if err == nil {
					nb, _ := json.Marshal(f)
					b.Write(nb)
					return nil
				}
				return fmt.Errorf("the number %q is not one JSON can hold", n.Value)
			}
			b.WriteString(n.Value)
		default:
			s, _ := json.Marshal(n.Value)
			b.Write(s)
		}
	default:
		return fmt.Errorf("cannot be written as JSON")
	}
	return nil
}

// ParseScript reads a synthesis script (ssetape synth SCRIPT): YAML or
// JSON with the script's fields (docs/synthesis.md); file names it in
// errors, which are an Errors list with lines and columns. wire is the
// format it is for: a problem the format finds (a tool call without a
// name, an error past the last token) is reported at its line too.
func ParseScript(data []byte, file, wire string, o synth.Options) (*synth.Stream, error) {
	l := &loader{&yamlschema.Reader{File: file}}
	root, ok := l.Document(data)
	if !ok {
		return nil, l.Errs
	}
	if root == nil || root.Kind != yaml.MappingNode {
		l.Fail(root, "", "a script is a mapping of fields such as text: and tool_calls:", "see docs/synthesis.md")
		return nil, l.Errs
	}
	if l.tooManyValues(root, "", "script") {
		return nil, l.Errs
	}
	var s synth.Script
	nodes := map[string]*yaml.Node{}
	l.Mapping(root, "", l.scriptFields(&s, nodes))
	if len(l.Errs) > 0 {
		return nil, l.Errs
	}
	st, err := synth.Synthesize(wire, &s, o)
	if err != nil {
		var fe *synth.FieldError
		if !errors.As(err, &fe) {
			return nil, err
		}
		sb := &Synth{node: root, nodes: nodes}
		switch fe.Field {
		case "wire", "tps", "ttft", "jitter", "think":
			return nil, fmt.Errorf("--%s: %s", fe.Field, fe.Msg)
		}
		l.Fail(sb.nodeAt(fe.Field), fe.Field, fe.Msg, "see docs/synthesis.md")
		return nil, l.Errs
	}
	return st, nil
}
