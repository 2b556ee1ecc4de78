package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ssetape/ssetape/internal/clip"
	"github.com/ssetape/ssetape/replayer/control/wire"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"the answer could not be encoded"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, field, msg string) {
	writeJSON(w, status, wire.Error{Error: "ssetape: " + msg, Field: field})
}

// badField is a 400 about one field of the request.
type badField struct {
	field, msg string
}

func (e *badField) Error() string { return e.msg }

func fieldErr(field, format string, args ...any) error {
	return &badField{field: field, msg: fmt.Sprintf(format, args...)}
}

// writeErr answers an error from reading a request: a badField is a 400
// naming its field, a tooLarge a 413.
func writeErr(w http.ResponseWriter, err error) {
	var bf *badField
	var tl *tooLarge
	switch {
	case errors.As(err, &tl):
		writeError(w, http.StatusRequestEntityTooLarge, "", tl.Error())
	case errors.As(err, &bf):
		writeError(w, http.StatusBadRequest, bf.field, bf.msg)
	default:
		writeError(w, http.StatusBadRequest, "", err.Error())
	}
}

type tooLarge struct{ limit int64 }

func (e *tooLarge) Error() string {
	return fmt.Sprintf("the body is over the limit of %d bytes", e.limit)
}

// readBody reads a request body of at most limit bytes.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, &tooLarge{limit: limit}
	}
	return b, nil
}

// decode reads a JSON object body into v; an empty body is {}. An unknown
// field or a value of the wrong type is a 400 naming the field.
func decode(r *http.Request, v any) error {
	b, err := readBody(r, maxControlBody)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return jsonError(err)
	}
	if d.More() {
		return fmt.Errorf("the body holds more than one JSON value")
	}
	return nil
}

// jsonError turns encoding/json's errors into ones that name the field.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fieldErr(te.Field, "%s: want %s, not a JSON %s", te.Field, kindName(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return fmt.Errorf("the body is not valid JSON at byte %d: %v", se.Offset, err)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		return fieldErr(name, "unknown field %q", clip.String(name, 60))
	}
	if bf := (*badField)(nil); errors.As(err, &bf) {
		return bf
	}
	return fmt.Errorf("the body is not the JSON this route takes: %v", err)
}

func kindName(k string) string {
	switch k {
	case "int", "int64", "uint64", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	case "map", "struct":
		return "an object"
	}
	return k
}

func quote(s string) string { return strconv.Quote(clip.String(s, 120)) }

// methodNotAllowed answers 405 with the methods the route takes.
func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow ...string) {
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeError(w, http.StatusMethodNotAllowed, "", fmt.Sprintf("%s takes %s, not %s", clip.String(r.URL.Path, 120), strings.Join(allow, " or "), r.Method))
}
