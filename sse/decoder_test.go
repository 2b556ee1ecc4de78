package sse

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// ev is the browser view of an event, without offsets.
type ev struct{ Type, Data, ID string }

type specCase struct {
	name      string
	in        string
	seed      string // SetLastEventID before the first read
	want      []ev
	lastID    string
	retry     time.Duration // 0: none expected
	discarded bool
}

// specCases are written from WHATWG HTML §9.2.6 and the rules and pitfalls
// that docs/sse.md sets out (line ends, BOM, UTF-8, fields, id, retry,
// dispatch, the end of the input).
var specCases = []specCase{
	// R3: line ends.
	{name: "lf", in: "data: a\n\n", want: []ev{{"", "a", ""}}},
	{name: "crlf", in: "data: a\r\n\r\n", want: []ev{{"", "a", ""}}},
	{name: "cr", in: "data: a\r\r", want: []ev{{"", "a", ""}}},
	{name: "mixed line ends", in: "data: a\rdata: b\ndata: c\r\n\n", want: []ev{{"", "a\nb\nc", ""}}},
	{name: "lf then cr is two line ends", in: "data: a\n\rdata: b\n\n", want: []ev{{"", "a", ""}, {"", "b", ""}}},
	{name: "cr cr lf", in: "data: a\r\r\ndata: b\r\n\r\n", want: []ev{{"", "a", ""}, {"", "b", ""}}},
	{name: "unicode line separators are not line ends", in: "data: a\u2028b\u0085c\vd\fe\n\n", want: []ev{{"", "a\u2028b\u0085c\vd\fe", ""}}},
	{name: "final cr dispatches", in: "data: x\r\r", want: []ev{{"", "x", ""}}},
	// R2: BOM.
	{name: "bom stripped", in: "\uFEFFdata: a\n\n", want: []ev{{"", "a", ""}}},
	{name: "second bom is text", in: "\uFEFF\uFEFFdata: a\n\ndata: b\n\n", want: []ev{{"", "b", ""}}},
	{name: "bom after blank line is text", in: "\n\uFEFFdata: a\n\ndata: b\n\n", want: []ev{{"", "b", ""}}},
	{name: "bom prefix is not a bom", in: "\xEF\xBBdata: a\n\ndata: b\n\n", want: []ev{{"", "b", ""}}},
	{name: "bom prefix in a value", in: "data: \xEF\xBBx\n\n", want: []ev{{"", "\uFFFDx", ""}}},
	{name: "bom only", in: "\uFEFF", want: nil},
	// R5, R6: blank lines and comments.
	{name: "space line is not blank", in: "data: a\n \ndata: b\n\n", want: []ev{{"", "a\nb", ""}}},
	{name: "tab line is not blank", in: "data: a\n\t\n\n", want: []ev{{"", "a", ""}}},
	{name: "comment", in: ": hello\ndata: a\n\n", want: []ev{{"", "a", ""}}},
	{name: "comment only block dispatches nothing", in: ": ping\n\n", want: nil},
	{name: "colon later is not a comment", in: " :x\ndata: a\n\n", want: []ev{{"", "a", ""}}},
	// R7: split and the one space.
	{name: "no space", in: "data:a\n\n", want: []ev{{"", "a", ""}}},
	{name: "two spaces keep one", in: "data:  a\n\n", want: []ev{{"", " a", ""}}},
	{name: "tab is kept", in: "data:\ta\n\n", want: []ev{{"", "\ta", ""}}},
	{name: "trailing space kept", in: "data: a  \n\n", want: []ev{{"", "a  ", ""}}},
	{name: "split at first colon", in: "data: a:b: c\n\n", want: []ev{{"", "a:b: c", ""}}},
	{name: "json data", in: "data: {\"a\": 1}\n\n", want: []ev{{"", "{\"a\": 1}", ""}}},
	// R8: no colon.
	{name: "data without colon is empty line", in: "data\n\n", want: []ev{{"", "", ""}}},
	{name: "data without colon appends", in: "data: a\ndata\ndata: b\n\n", want: []ev{{"", "a\n\nb", ""}}},
	{name: "event without colon resets type", in: "event: x\nevent\ndata: a\n\n", want: []ev{{"", "a", ""}}},
	{name: "id without colon resets id", in: "id: 1\ndata: a\n\nid\ndata: b\n\n", want: []ev{{"", "a", "1"}, {"", "b", ""}}, lastID: ""},
	// R9: literal field names.
	{name: "case matters", in: "Data: a\nDATA: b\ndata: c\n\n", want: []ev{{"", "c", ""}}},
	{name: "space before colon", in: "data : a\n\n", want: nil},
	{name: "leading space in name", in: " data: a\n\n", want: nil},
	{name: "nul in name", in: "data\x00: a\n\n", want: nil},
	{name: "unknown field", in: "foo: bar\ndata: a\n\n", want: []ev{{"", "a", ""}}},
	// R10: event.
	{name: "event type", in: "event: add\ndata: a\n\n", want: []ev{{"add", "a", ""}}},
	{name: "last event wins", in: "event: a\nevent: b\ndata: x\n\n", want: []ev{{"b", "x", ""}}},
	{name: "event with spaces and nul", in: "event: a b\x00c\ndata: x\n\n", want: []ev{{"a b\x00c", "x", ""}}},
	{name: "event type reset after dispatch", in: "event: a\ndata: 1\n\ndata: 2\n\n", want: []ev{{"a", "1", ""}, {"", "2", ""}}},
	{name: "event type cleared by empty dispatch", in: "event: a\n\ndata: 2\n\n", want: []ev{{"", "2", ""}}},
	{name: "empty event means message", in: "event:\ndata: x\n\n", want: []ev{{"", "x", ""}}},
	// R11: data.
	{name: "multi-line data", in: "data: a\ndata: b\n\n", want: []ev{{"", "a\nb", ""}}},
	{name: "empty data dispatches", in: "data:\n\n", want: []ev{{"", "", ""}}},
	{name: "two empty data lines", in: "data\ndata\n\n", want: []ev{{"", "\n", ""}}},
	{name: "data keeps nul", in: "data: a\x00b\n\n", want: []ev{{"", "a\x00b", ""}}},
	{name: "spec example empty data blocks", in: "data\n\ndata\ndata\n\ndata:\n", want: []ev{{"", "", ""}, {"", "\n", ""}}, discarded: true},
	{name: "spec example stock ticker", in: "data: YHOO\ndata: +2\ndata: 10\n\n", want: []ev{{"", "YHOO\n+2\n10", ""}}},
	{name: "spec example two events", in: ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
		want: []ev{{"", "first event", "1"}, {"", "second event", ""}, {"", " third event", ""}}},
	// R12: id.
	{name: "id persists", in: "id: 7\ndata: a\n\ndata: b\n\n", want: []ev{{"", "a", "7"}, {"", "b", "7"}}, lastID: "7"},
	{name: "empty id resets", in: "id: 7\ndata: a\n\nid:\ndata: b\n\n", want: []ev{{"", "a", "7"}, {"", "b", ""}}},
	{name: "id with nul ignored", in: "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", want: []ev{{"", "a", "1"}, {"", "b", "1"}}, lastID: "1"},
	{name: "id non-ascii", in: "id: \u2026\ndata: a\n\n", want: []ev{{"", "a", "\u2026"}}, lastID: "\u2026"},
	{name: "id with spaces", in: "id:  x y \ndata: a\n\n", want: []ev{{"", "a", " x y "}}, lastID: " x y "},
	{name: "id after data in block counts", in: "data: a\nid: 3\n\n", want: []ev{{"", "a", "3"}}, lastID: "3"},
	{name: "id only block updates last id", in: "id: 5\n\ndata: a\n\n", want: []ev{{"", "a", "5"}}, lastID: "5"},
	{name: "id only block at end", in: "data: a\n\nid: 9\n\n", want: []ev{{"", "a", ""}}, lastID: "9"},
	{name: "last id wins in block", in: "id: 1\nid: 2\ndata: a\n\n", want: []ev{{"", "a", "2"}}, lastID: "2"},
	{name: "invalid utf8 id replaced", in: "id: a\xFFb\ndata: x\n\n", want: []ev{{"", "x", "a\uFFFDb"}}, lastID: "a\uFFFDb"},
	// R13: retry.
	{name: "retry", in: "retry: 1500\ndata: a\n\n", want: []ev{{"", "a", ""}}, retry: 1500 * time.Millisecond},
	{name: "retry leading zeros", in: "retry: 02000\n\n", retry: 2 * time.Second},
	{name: "retry plus sign ignored", in: "retry: +5\n\n"},
	{name: "retry negative ignored", in: "retry: -1\n\n"},
	{name: "retry with space ignored", in: "retry:  100\n\n"},
	{name: "retry trailing space ignored", in: "retry: 100 \n\n"},
	{name: "retry non-ascii digit ignored", in: "retry: \u0663\n\n"},
	{name: "retry hex ignored", in: "retry: 0x10\n\n"},
	{name: "retry underscore ignored", in: "retry: 1_000\n\n"},
	{name: "retry empty ignored keeps old", in: "retry: 300\n\nretry:\n\nretry\n\n", retry: 300 * time.Millisecond},
	{name: "retry invalid keeps old", in: "retry: 300\n\nretry: x\n\n", retry: 300 * time.Millisecond},
	{name: "retry zero", in: "retry: 0\n\n"},
	{name: "retry huge saturates", in: "retry: 99999999999999999999999999999999\n\n", retry: time.Duration(math.MaxInt64)},
	{name: "retry in discarded block counts", in: "retry: 700\ndata: a", retry: 700 * time.Millisecond, discarded: true},
	{name: "retry only block dispatches nothing", in: "retry: 10\n\n", retry: 10 * time.Millisecond},
	// R15: dispatch.
	{name: "no data no event", in: "event: x\nid: 1\n\n", lastID: "1"},
	{name: "trailing lf removed once", in: "data: a\ndata:\n\n", want: []ev{{"", "a\n", ""}}},
	{name: "many blank lines", in: "\n\n\ndata: a\n\n\n\n", want: []ev{{"", "a", ""}}},
	// R16: EOF.
	{name: "unterminated final event discarded", in: "data: a\n\ndata: b\n", want: []ev{{"", "a", ""}}, discarded: true},
	{name: "unterminated line discarded", in: "data: a\n\ndata: b", want: []ev{{"", "a", ""}}, discarded: true},
	{name: "id in discarded block never counts", in: "id: 1\ndata: a\n\nid: 2\ndata: b\n", want: []ev{{"", "a", "1"}}, lastID: "1", discarded: true},
	{name: "data before final empty line", in: "data: x\n\ndata: y\n", want: []ev{{"", "x", ""}}, discarded: true},
	{name: "comment at end discarded", in: "data: a\n\n: bye\n", want: []ev{{"", "a", ""}}, discarded: true},
	{name: "empty input", in: ""},
	{name: "single lf", in: "\n"},
	// R1, §6.2: UTF-8 decoding, one U+FFFD per maximal subpart.
	{name: "invalid byte", in: "data: a\xFFb\n\n", want: []ev{{"", "a\uFFFDb", ""}}},
	{name: "overlong is two", in: "data: \xC0\xAF\n\n", want: []ev{{"", "\uFFFD\uFFFD", ""}}},
	{name: "surrogate is three", in: "data: \xED\xA0\x80\n\n", want: []ev{{"", "\uFFFD\uFFFD\uFFFD", ""}}},
	{name: "truncated rune before lf is one", in: "data: \xE2\x82\n\n", want: []ev{{"", "\uFFFD", ""}}},
	{name: "truncated rune before ascii is one", in: "data: \xE2\x82x\n\n", want: []ev{{"", "\uFFFDx", ""}}},
	{name: "truncated four byte", in: "data: \xF0\x9F\x98\n\n", want: []ev{{"", "\uFFFD", ""}}},
	{name: "lone continuation", in: "data: \x80\x80\n\n", want: []ev{{"", "\uFFFD\uFFFD", ""}}},
	{name: "f5 is invalid", in: "data: \xF5\x80\n\n", want: []ev{{"", "\uFFFD\uFFFD", ""}}},
	{name: "f4 above max", in: "data: \xF4\x90\x80\x80\n\n", want: []ev{{"", "\uFFFD\uFFFD\uFFFD\uFFFD", ""}}},
	{name: "e0 overlong", in: "data: \xE0\x80\xAF\n\n", want: []ev{{"", "\uFFFD\uFFFD\uFFFD", ""}}},
	{name: "valid multibyte", in: "data: 日本語 😀 é\n\n", want: []ev{{"", "日本語 😀 é", ""}}},
	{name: "invalid in event type", in: "event: \xFF\ndata: a\n\n", want: []ev{{"\uFFFD", "a", ""}}},
	{name: "truncated then valid", in: "data: \xE3\x81\xE3\x81\x82\n\n", want: []ev{{"", "\uFFFDあ", ""}}},
	// §3b: reconnection seeds the id.
	{name: "seeded id carries", seed: "41", in: "data: a\n\n", want: []ev{{"", "a", "41"}}, lastID: "41"},
	{name: "seeded id replaced", seed: "41", in: "id: 42\ndata: a\n\n", want: []ev{{"", "a", "42"}}, lastID: "42"},
	{name: "seeded id reset", seed: "41", in: "id\ndata: a\n\n", want: []ev{{"", "a", ""}}},
	// A seed that is not UTF-8 (a Last-Event-ID header as it came) stays as
	// given; an id line with the same bytes sets the decoded text (found by
	// FuzzDecoderReference).
	{name: "seed not utf-8, then the same bytes as an id", seed: ")\xe8", in: "data: a\n\nid:)\xe8\ndata: b\n\n", want: []ev{{"", "a", ")\xe8"}, {"", "b", ")\uFFFD"}}, lastID: ")\uFFFD"},
	{name: "seeded id kept at discarded end", seed: "41", in: "id: 99\ndata: a\n", lastID: "41", discarded: true},
	// §5: cases other parsers get wrong.
	{name: "sse-starlette crlf with pings", in: "id: 1\r\nevent: thinking\r\ndata: {}\r\n\r\n: ping - 2024-05-01 12:00:00.123456+00:00\r\n\r\nevent: done\r\ndata: {}\r\n\r\n",
		want: []ev{{"thinking", "{}", "1"}, {"done", "{}", "1"}}, lastID: "1"},
	{name: "keep-alive after id is no event", in: "id: 1\ndata: a\n\n: keep-alive\n\n", want: []ev{{"", "a", "1"}}, lastID: "1"},
	{name: "openai done sentinel", in: "data: {\"x\":1}\n\ndata: [DONE]\n\n", want: []ev{{"", "{\"x\":1}", ""}, {"", "[DONE]", ""}}},
	{name: "long line", in: "data: " + strings.Repeat("x", 70000) + "\n\n", want: []ev{{"", strings.Repeat("x", 70000), ""}}},
	{name: "langserve data-less end", in: "event: data\ndata: 1\n\nevent: end\n\n", want: []ev{{"data", "1", ""}}},
}

// readers returns the ways a test feeds one input: all at once, one byte per
// read, with empty reads between bytes, and in 3-byte reads.
func readers(in string) map[string]func() io.Reader {
	return map[string]func() io.Reader{
		"whole":      func() io.Reader { return strings.NewReader(in) },
		"onebyte":    func() io.Reader { return iotest.OneByteReader(strings.NewReader(in)) },
		"emptyreads": func() io.Reader { return &emptyReader{r: strings.NewReader(in)} },
		"threebytes": func() io.Reader { return &chunkReader{data: []byte(in), sizes: []int{3}} },
	}
}

func TestDecoderSpec(t *testing.T) {
	for _, c := range specCases {
		for how, mk := range readers(c.in) {
			t.Run(c.name+"/"+how, func(t *testing.T) {
				d := NewDecoder(mk())
				if c.seed != "" {
					d.SetLastEventID(c.seed)
				}
				var got []ev
				for {
					e, err := d.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("Next: %v", err)
					}
					got = append(got, ev{e.Type, e.Data, e.LastEventID})
				}
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("events (-want +got):\n%s", diff)
				}
				lastID := c.lastID
				if lastID == "" && len(c.want) > 0 && c.seed == "" {
					lastID = c.want[len(c.want)-1].ID
				}
				if d.LastEventID() != lastID {
					t.Errorf("LastEventID = %q, want %q", d.LastEventID(), lastID)
				}
				r, ok := d.Retry()
				if c.retry == 0 && ok && r != 0 {
					t.Errorf("Retry = %v, want none", r)
				}
				if c.retry != 0 && (!ok || r != c.retry) {
					t.Errorf("Retry = %v %v, want %v", r, ok, c.retry)
				}
				if d.Discarded() != c.discarded {
					t.Errorf("Discarded = %v, want %v", d.Discarded(), c.discarded)
				}
				if _, err := d.Next(); err != io.EOF {
					t.Errorf("Next after EOF = %v, want io.EOF", err)
				}
			})
		}
	}
}

func TestDecoderOffsets(t *testing.T) {
	in := "\uFEFF: hi\nid: 1\ndata: a\r\n\r\n: ping\n\nevent: x\rdata: b\r\r"
	d := NewDecoder(strings.NewReader(in))
	var got [][2]int64
	for {
		e, err := d.Next()
		if err != nil {
			break
		}
		got = append(got, [2]int64{e.Start, e.End})
	}
	// The first block starts after the BOM; the ping block is a dispatch
	// point of its own, so the second event starts after it.
	first := int64(3)
	firstEnd := int64(strings.Index(in, "a\r\n\r\n") + 5)
	secondStart := int64(strings.Index(in, "event: x"))
	want := [][2]int64{{first, firstEnd}, {secondStart, int64(len(in))}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("offsets (-want +got):\n%s", diff)
	}
}

func TestDecoderCRPromptDispatch(t *testing.T) {
	// A CR that ends the blank line dispatches before any more input: the
	// reader blocks after it, yet Next returns the event.
	pr, pw := io.Pipe()
	d := NewDecoder(pr)
	go func() {
		_, _ = pw.Write([]byte("data: x\r\r"))
	}()
	e, err := d.Next()
	if err != nil || e.Data != "x" {
		t.Fatalf("Next = %+v, %v", e, err)
	}
	if e.End != 9 {
		t.Errorf("End = %d, want 9", e.End)
	}
	// The LF that completes the CRLF arrives later and is swallowed, so the
	// next block starts after it.
	go func() {
		_, _ = pw.Write([]byte("\ndata: y\r\n\r\n"))
		_ = pw.Close()
	}()
	e, err = d.Next()
	if err != nil || e.Data != "y" || e.Start != 10 {
		t.Fatalf("Next = %+v, %v", e, err)
	}
}

func TestDecoderReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b\n"), iotest.ErrReader(boom))
	d := NewDecoder(r)
	e, err := d.Next()
	if err != nil || e.Data != "a" {
		t.Fatalf("first Next = %+v, %v", e, err)
	}
	if _, err := d.Next(); !errors.Is(err, boom) {
		t.Fatalf("second Next error = %v, want boom", err)
	}
	// An error that comes with the last bytes is reported after them.
	d = NewDecoder(iotest.DataErrReader(strings.NewReader("data: c\n\n")))
	if e, err := d.Next(); err != nil || e.Data != "c" {
		t.Fatalf("Next = %+v, %v", e, err)
	}
}

func TestDecoderNoProgress(t *testing.T) {
	d := NewDecoder(zeroReader{})
	if _, err := d.Next(); !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("err = %v, want io.ErrNoProgress", err)
	}
}

func TestDecoderLimits(t *testing.T) {
	cases := []struct {
		name string
		in   string
		opts []Option
		ok   int // events before the error
	}{
		{"line too long", "data: a\n\ndata: " + strings.Repeat("x", 100) + "\n\n", []Option{WithMaxLineSize(50)}, 1},
		{"unterminated long line", "data: a\n\ndata: " + strings.Repeat("x", 100), []Option{WithMaxLineSize(50)}, 1},
		{"event too large", "data: a\n\n" + strings.Repeat("data: xxxxxxxxxx\n", 10) + "\n", []Option{WithMaxEventSize(50)}, 1},
		{"line at limit is fine", "data: " + strings.Repeat("x", 44) + "\n\n", []Option{WithMaxLineSize(50)}, -1},
	}
	for _, c := range cases {
		for how, mk := range readers(c.in) {
			t.Run(c.name+"/"+how, func(t *testing.T) {
				d := NewDecoder(mk(), c.opts...)
				n := 0
				var err error
				for {
					if _, err = d.Next(); err != nil {
						break
					}
					n++
				}
				if c.ok < 0 {
					if err != io.EOF {
						t.Fatalf("err = %v, want io.EOF", err)
					}
					return
				}
				if err != ErrTooLarge || n != c.ok {
					t.Fatalf("got %d events then %v, want %d then ErrTooLarge", n, err, c.ok)
				}
				if _, err := d.Next(); err != ErrTooLarge {
					t.Errorf("error is not sticky: %v", err)
				}
			})
		}
	}
}

func TestDecoderDefaultLimitAllows70000(t *testing.T) {
	in := "data: " + strings.Repeat("y", 70000) + "\n\n"
	d := NewDecoder(&chunkReader{data: []byte(in), sizes: []int{4096}})
	e, err := d.Next()
	if err != nil || len(e.Data) != 70000 {
		t.Fatalf("Next: len %d, %v", len(e.Data), err)
	}
}

func TestNextBlockRawView(t *testing.T) {
	in := ": ping\r\n\r\nid: 1\r\nretry: x\r\nfoo\r\nevent: t\r\ndata: a\r\n\r\nid: 2\x00\n\nid: 3\n\ndata: tail"
	d := NewDecoder(strings.NewReader(in))
	var blocks []Block
	for {
		b, err := d.NextBlock()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, b)
	}
	if len(blocks) != 5 {
		t.Fatalf("got %d blocks, want 5: %+v", len(blocks), blocks)
	}
	if b := blocks[0]; len(b.Lines) != 1 || b.Lines[0].Kind != Comment || b.Lines[0].Value != " ping" || b.Dispatched || b.Ending != CRLF || b.Lines[0].Ending != CRLF {
		t.Errorf("comment block = %+v", b)
	}
	b := blocks[1]
	kinds := []LineKind{}
	for _, l := range b.Lines {
		kinds = append(kinds, l.Kind)
	}
	if diff := cmp.Diff([]LineKind{ID, Retry, Unknown, EventType, Data}, kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
	if !b.Lines[1].Ignored || b.Lines[2].Name != "foo" || b.Lines[2].HasColon {
		t.Errorf("lines = %+v", b.Lines)
	}
	if !b.Dispatched || b.Event.Type != "t" || b.Event.Data != "a" || b.Event.LastEventID != "1" {
		t.Errorf("event = %+v", b.Event)
	}
	if b := blocks[2]; b.Dispatched || !b.Lines[0].Ignored || b.Ending != LF {
		t.Errorf("nul id block = %+v", b)
	}
	if b := blocks[3]; b.Dispatched || b.Lines[0].Value != "3" {
		t.Errorf("id-only block = %+v", b)
	}
	if b := blocks[4]; b.Terminated || len(b.Lines) != 1 || b.Lines[0].Kind != Data || b.Lines[0].Ending != NoLineEnding || b.End != int64(len(in)) {
		t.Errorf("tail block = %+v", b)
	}
	if d.LastEventID() != "3" || !d.Discarded() {
		t.Errorf("LastEventID %q Discarded %v", d.LastEventID(), d.Discarded())
	}
}

func TestNextBlockSplitCRLFFixesLineEnding(t *testing.T) {
	d := NewDecoder(iotest.OneByteReader(strings.NewReader("data: a\r\n\r\n")))
	b, err := d.NextBlock()
	if err != nil {
		t.Fatal(err)
	}
	if b.Lines[0].Ending != CRLF || b.Lines[0].End != 9 {
		t.Errorf("line = %+v, want CRLF ending at 9", b.Lines[0])
	}
}

// emptyReader returns an empty read before every byte.
type emptyReader struct {
	r     io.Reader
	empty bool
}

func (e *emptyReader) Read(p []byte) (int, error) {
	e.empty = !e.empty
	if e.empty {
		return 0, nil
	}
	if len(p) > 1 {
		p = p[:1]
	}
	return e.r.Read(p)
}

// chunkReader returns data in reads of the given sizes, cycling.
type chunkReader struct {
	data  []byte
	sizes []int
	i     int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := c.sizes[c.i%len(c.sizes)]
	c.i++
	if n > len(c.data) {
		n = len(c.data)
	}
	if n > len(p) {
		n = len(p)
	}
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestAppendUTF8MatchesRuleCounts(t *testing.T) {
	cases := map[string]string{
		"\xC0\xAF":     "\uFFFD\uFFFD",
		"\xED\xA0\x80": "\uFFFD\uFFFD\uFFFD",
		"\xE2\x82":     "\uFFFD",
		"\xEF\xBBd":    "\uFFFDd",
		"\xF0\x90\x80": "\uFFFD",
		"ok":           "ok",
		"\xC2":         "\uFFFD",
		"\xC2\xC2\xA9": "\uFFFD©",
	}
	for in, want := range cases {
		if got := string(appendUTF8(nil, []byte(in))); got != want {
			t.Errorf("appendUTF8(%q) = %q, want %q", in, got, want)
		}
	}
	if !bytes.Equal(appendUTF8([]byte("x"), []byte("y")), []byte("xy")) {
		t.Error("appendUTF8 does not append")
	}
}
