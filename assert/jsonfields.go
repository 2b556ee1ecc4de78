package assert

import (
	"encoding/json"

	"github.com/ssetape/ssetape/internal/jsonscan"
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
	i := jsonscan.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return f
	}
	f.valid = true
	i++
	for {
		i = jsonscan.SkipSpace(b, i)
		if i >= len(b) || b[i] == '}' {
			return f
		}
		if b[i] == ',' {
			i++
			continue
		}
		kEnd := jsonscan.SkipString(b, i)
		key := jsonscan.Unquote(b[i:kEnd])
		i = jsonscan.SkipSpace(b, kEnd)
		i = jsonscan.SkipSpace(b, i+1) // the colon
		vEnd := jsonscan.SkipValue(b, i)
		val := b[i:vEnd]
		if len(val) > 0 && val[0] == '"' {
			s := jsonscan.Unquote(val)
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
