package synth

import (
	"bytes"
	"encoding/json"
)

// obj is a JSON object whose keys keep the order written, as providers
// write theirs (encoding/json would sort a map's keys).
type obj []kv

type kv struct {
	k string
	v any
}

// o makes an object from key, value pairs.
func o(pairs ...any) obj {
	out := make(obj, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, kv{pairs[i].(string), pairs[i+1]})
	}
	return out
}

// MarshalJSON writes the object compactly, in order, without HTML escapes.
func (x obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range x {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshal(p.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := marshal(p.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// raw is JSON written as it is.
type raw = json.RawMessage

// marshal is json.Marshal without HTML escaping (a provider sends < as <).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// js is v as compact JSON text; v is always one of this package's values,
// which encode.
func js(v any) string {
	b, err := marshal(v)
	if err != nil {
		panic("synth: " + err.Error())
	}
	return string(b)
}

// google writes JSON in Google's style: a space after each colon, none
// after a comma ({"a": 1,"b": 2}).
func google(v any) string {
	var out []byte
	in := []byte(js(v))
	str, esc := false, false
	for _, c := range in {
		out = append(out, c)
		switch {
		case esc:
			esc = false
		case str && c == '\\':
			esc = true
		case c == '"':
			str = !str
		case !str && c == ':':
			out = append(out, ' ')
		}
	}
	return string(out)
}

// compactJSON is a JSON object's compact text with its keys in the order
// written (the text the model streams as arguments).
func compactJSON(b []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return string(b)
	}
	return buf.String()
}

// value decodes JSON the script gave (arguments, a result) for a format
// that sends it as a value, keeping its key order.
func value(b []byte) raw { return raw(compactJSON(b)) }
