package cassette

import "github.com/ssetape/ssetape/internal/jsonscan"

// locate finds the byte range of the value at steps in a JSON document.
func locate(b []byte, i int, steps []any) (int, int, bool) {
	i = jsonscan.SkipSpace(b, i)
	if i >= len(b) {
		return 0, 0, false
	}
	if len(steps) == 0 {
		e := jsonscan.SkipValue(b, i)
		return i, e, e > i
	}
	switch step := steps[0].(type) {
	case string:
		if b[i] != '{' {
			return 0, 0, false
		}
		i++
		for {
			i = jsonscan.SkipSpace(b, i)
			if i >= len(b) || b[i] == '}' {
				return 0, 0, false
			}
			if b[i] == ',' {
				i++
				continue
			}
			if b[i] != '"' {
				return 0, 0, false
			}
			kEnd := jsonscan.SkipString(b, i)
			key := jsonscan.Unquote(b[i:kEnd])
			i = jsonscan.SkipSpace(b, kEnd)
			if i >= len(b) || b[i] != ':' {
				return 0, 0, false
			}
			i = jsonscan.SkipSpace(b, i+1)
			if key == step {
				return locate(b, i, steps[1:])
			}
			i = jsonscan.SkipValue(b, i)
		}
	case int:
		if b[i] != '[' {
			return 0, 0, false
		}
		i++
		for n := 0; ; n++ {
			i = jsonscan.SkipSpace(b, i)
			if i >= len(b) || b[i] == ']' {
				return 0, 0, false
			}
			if n == step {
				return locate(b, i, steps[1:])
			}
			e := jsonscan.SkipValue(b, i)
			if e <= i { // a byte that starts no value: not JSON, and no progress
				return 0, 0, false
			}
			i = jsonscan.SkipSpace(b, e)
			if i < len(b) && b[i] == ',' {
				i++
			}
		}
	}
	return 0, 0, false
}
