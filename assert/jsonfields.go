package assert

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// fields are the top-level string fields of an event's JSON data that the
// presets read. has says which were present as strings; other is set for a
// field present with a non-string value (so "content": {...} is not lost).
type fields struct {
	valid                                bool // the data is one JSON object
	typ, content, id, tool, name, status string
	has                                  uint8
	contentRaw                           string // content when it is not a string
}

const (
	hasType = 1 << iota
	hasContent
	hasID
	hasTool
	hasName
	hasStatus
)

// readFields reads the top-level fields of a JSON object without building
// the whole value: json.Valid checks it, then one scan picks the keys.
func readFields(data string) fields {
	var f fields
	b := []byte(data)
	if !json.Valid(b) {
		return f
	}
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return f
	}
	f.valid = true
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] == '}' {
			return f
		}
		if b[i] == ',' {
			i++
			continue
		}
		kEnd := skipString(b, i)
		key := unquote(b[i:kEnd])
		i = skipSpace(b, kEnd)
		i = skipSpace(b, i+1) // the colon
		vEnd := skipValue(b, i)
		val := b[i:vEnd]
		if len(val) > 0 && val[0] == '"' {
			s := unquote(val)
			switch key {
			case "type":
				f.typ, f.has = s, f.has|hasType
			case "content":
				f.content, f.has = s, f.has|hasContent
			case "id":
				f.id, f.has = s, f.has|hasID
			case "tool":
				f.tool, f.has = s, f.has|hasTool
			case "name":
				f.name, f.has = s, f.has|hasName
			case "status":
				f.status, f.has = s, f.has|hasStatus
			}
		} else if key == "content" {
			f.contentRaw = string(val)
		}
		i = vEnd
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i].
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// skipValue returns the index after the (valid) value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
		j++
	}
	return j
}

// unquote reads a JSON string (quotes included); plain ones without a copy
// of escapes.
func unquote(q []byte) string {
	if len(q) < 2 {
		return ""
	}
	inner := q[1 : len(q)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		if u, err := strconv.Unquote(string(q)); err == nil {
			return u
		}
	}
	return s
}
