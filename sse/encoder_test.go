package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestAppendMessage(t *testing.T) {
	cases := []struct {
		name string
		m    Message
		eol  LineEnding
		want string
	}{
		{"event", NewEvent("done", `{"type":"done"}`), LF, "event: done\ndata: {\"type\":\"done\"}\n\n"},
		{"crlf", NewEvent("x", "a"), CRLF, "event: x\r\ndata: a\r\n\r\n"},
		{"cr", NewEvent("", "a"), CR, "data: a\r\r"},
		{"multi-line data", NewEvent("", "a\nb\r\nc\rd"), LF, "data: a\ndata: b\ndata: c\ndata: d\n\n"},
		{"empty data", NewEvent("", ""), LF, "data:\n\n"},
		{"trailing newline in data", NewEvent("", "a\n"), LF, "data: a\ndata:\n\n"},
		{"leading space kept", NewEvent("", " a"), LF, "data:  a\n\n"},
		{"all fields", Message{Comment: "c1\nc2", ID: "7", HasID: true, Event: "e", Data: "d", HasData: true, Retry: 1500 * time.Millisecond, HasRetry: true}, LF,
			": c1\n: c2\nid: 7\nevent: e\ndata: d\nretry: 1500\n\n"},
		{"empty id resets", Message{HasID: true, Data: "x", HasData: true}, LF, "id:\ndata: x\n\n"},
		{"comment only", Message{Comment: "ping"}, CRLF, ": ping\r\n\r\n"},
		{"id only", Message{ID: "5", HasID: true}, LF, "id: 5\n\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := AppendMessage(nil, c.m, c.eol)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestAppendMessageRefuses(t *testing.T) {
	cases := []struct {
		m    Message
		want error
	}{
		{Message{ID: "a\nb", HasID: true}, ErrLineBreak},
		{Message{ID: "a\rb", HasID: true}, ErrLineBreak},
		{Message{ID: "a\x00b", HasID: true}, ErrNUL},
		{Message{Event: "a\nb"}, ErrLineBreak},
		{Message{Retry: -time.Second, HasRetry: true}, ErrRetry},
	}
	for _, c := range cases {
		if _, err := AppendMessage(nil, c.m, LF); !errors.Is(err, c.want) {
			t.Errorf("AppendMessage(%+v) err = %v, want %v", c.m, err, c.want)
		}
	}
	if _, err := AppendMessage(nil, NewEvent("", "x"), NoLineEnding); err == nil {
		t.Error("AppendMessage with no line ending: no error")
	}
}

func TestEncoderWritesOneWritePerMessage(t *testing.T) {
	var w countingWriter
	e := NewEncoder(&w, CRLF)
	if err := e.Event("a", "1"); err != nil {
		t.Fatal(err)
	}
	if err := e.Comment("ping"); err != nil {
		t.Fatal(err)
	}
	if err := e.Retry(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	if w.writes != 3 || w.String() != "event: a\r\ndata: 1\r\n\r\n: ping\r\n\r\nretry: 3000\r\n\r\n" {
		t.Errorf("%d writes: %q", w.writes, w.String())
	}
}

type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

// normalizeData is what a spec parser reads back from data written by the
// encoder: CR and CRLF become LF.
func normalizeData(s string) string {
	return strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
}

func FuzzEncodeDecode(f *testing.F) {
	f.Add("done", "7", `{"type":"done"}`, "ping", uint8(0), int64(0))
	f.Add("", "", "a\r\nb\rc\n", "", uint8(1), int64(1500))
	f.Add("日本", "…", " lead", "x\ny", uint8(2), int64(-1))
	f.Fuzz(func(t *testing.T, typ, id, data, comment string, eolN uint8, retryMS int64) {
		eol := []LineEnding{LF, CRLF, CR}[eolN%3]
		m := Message{Event: typ, ID: id, HasID: id != "", Data: data, HasData: true, Comment: comment}
		if retryMS >= 0 {
			m.Retry, m.HasRetry = time.Duration(retryMS%1e9)*time.Millisecond, true
		}
		b, err := AppendMessage(nil, m, eol)
		if err != nil {
			if strings.ContainsAny(typ+id, "\r\n") || strings.IndexByte(id, 0) >= 0 {
				return
			}
			t.Fatalf("AppendMessage(%+v): %v", m, err)
		}
		d := NewDecoder(bytes.NewReader(b))
		e, err := d.Next()
		if err != nil {
			t.Fatalf("decoding %q: %v", b, err)
		}
		// What the decoder reads is the UTF-8-repaired form of what was
		// written; compare against that.
		fix := func(s string) string { return string(appendUTF8(nil, []byte(s))) }
		if e.Type != fix(typ) || e.Data != fix(normalizeData(data)) || e.LastEventID != fix(id) {
			t.Fatalf("round trip of %+v via %q gave %+v", m, b, e)
		}
		if r, ok := d.Retry(); m.HasRetry && (!ok || r != m.Retry) {
			t.Fatalf("retry %v %v, want %v", r, ok, m.Retry)
		}
		if _, err := d.Next(); err != io.EOF || d.Discarded() {
			t.Fatalf("after the event: %v, discarded %v", err, d.Discarded())
		}
	})
}
