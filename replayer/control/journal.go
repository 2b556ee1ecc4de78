package control

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/internal/clip"
	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer/control/wire"
)

// journal keeps the requests a server read, oldest first, each updated
// until its request ends: observe.Journal for the servers, the requests
// routes for the API. It is bounded in entries and in bytes; the oldest
// go first.
//
// Recording is on every request's path, so it only appends: the header,
// query and body are redacted when the journal is read (render), and an
// ended entry's rendering is kept, since it no longer changes. The one
// exception is a body over MaxBodyKept: it is redacted whole, then cut, so
// that no cut can leave the start of a secret too short to be recognised.
// Unredacted values stay in memory only, as the request itself was; they
// are never written anywhere.
type journal struct {
	maxN     int
	maxBytes int64
	red      cassette.Redaction

	// mu guards everything below.
	mu      sync.Mutex
	entries []*journalEntry // a queue: entries[head:] are kept
	head    int
	bytes   int64
	seq     uint64
	change  chan struct{} // closed and replaced when an entry is added
}

type journalEntry struct {
	id   uint64
	x    *observe.Exchange
	size int64
	// cut says the body kept is the first MaxBodyKept bytes of a body
	// redacted at Record.
	cut bool
	// done is the entry rendered once its request has ended.
	done atomic.Pointer[wire.Request]
}

// entryOverhead is what an entry costs besides its header, query and body
// (the exchange, its fault and violation lists): an estimate, for the
// byte bound.
const entryOverhead = 1024

func newJournal(maxN int, maxBytes int64, red cassette.Redaction) *journal {
	return &journal{maxN: maxN, maxBytes: maxBytes, red: red}
}

// Record implements observe.Journal.
func (j *journal) Record(x *observe.Exchange) {
	if j.maxN == 0 {
		return
	}
	e := &journalEntry{x: x, size: entryOverhead}
	x.Keep(func(h http.Header, body []byte, query string) []byte {
		for k, vs := range h {
			e.size += int64(len(k))
			for _, v := range vs {
				e.size += int64(len(v))
			}
		}
		if len(body) > MaxBodyKept {
			// A copy, so that the request's whole body is not kept alive.
			body, e.cut = bytes.Clone(j.red.RedactBody(body)[:MaxBodyKept]), true
		}
		e.size += int64(len(body) + len(query))
		return body
	})
	j.mu.Lock()
	j.seq++
	e.id = j.seq
	j.entries = append(j.entries, e)
	j.bytes += e.size
	for n := len(j.entries) - j.head; n > j.maxN || (j.bytes > j.maxBytes && n > 1); n-- {
		j.bytes -= j.entries[j.head].size
		j.entries[j.head] = nil
		j.head++
	}
	if j.head > 1024 && j.head*2 > len(j.entries) {
		j.entries = append([]*journalEntry(nil), j.entries[j.head:]...)
		j.head = 0
	}
	if j.change != nil {
		close(j.change)
		j.change = nil
	}
	j.mu.Unlock()
}

func (j *journal) changed() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.change == nil {
		j.change = make(chan struct{})
	}
	return j.change
}

func (j *journal) len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries) - j.head
}

// journalFilter is ?session=S&method=M&path=P&since=ID.
type journalFilter struct {
	session    string
	hasSession bool
	method     string
	path       string
	since      uint64
}

func (f journalFilter) keeps(id uint64, x observe.ExchangeInfo) bool {
	return id > f.since && (!f.hasSession || x.Session == f.session) &&
		(f.method == "" || x.Method == f.method) && (f.path == "" || x.Path == f.path)
}

func (f journalFilter) keepsRendered(r *wire.Request) bool {
	return (!f.hasSession || r.Session == f.session) && (f.method == "" || r.Method == f.method) && (f.path == "" || r.Path == f.path)
}

// list returns the entries that match, oldest first, rendered: the
// filters are applied first, so that only what is shown is redacted.
func (j *journal) list(f journalFilter) []wire.Request {
	j.mu.Lock()
	kept := append([]*journalEntry(nil), j.entries[j.head:]...)
	j.mu.Unlock()
	out := []wire.Request{}
	for _, e := range kept {
		if e.id <= f.since {
			continue
		}
		if r := e.done.Load(); r != nil {
			if f.keepsRendered(r) {
				out = append(out, *r)
			}
			continue
		}
		info := e.x.Snapshot()
		if !f.keeps(e.id, info) {
			continue
		}
		r := j.render(e.id, info, e.cut)
		if info.Ended {
			e.done.Store(&r)
		}
		out = append(out, r)
	}
	return out
}

// clear drops every entry, or a session's.
func (j *journal) clear(session string, one bool) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	var kept []*journalEntry
	var bytes int64
	n := 0
	for _, e := range j.entries[j.head:] {
		if one && e.x.Snapshot().Session != session {
			kept = append(kept, e)
			bytes += e.size
			continue
		}
		n++
	}
	j.entries, j.head, j.bytes = kept, 0, bytes
	return n
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// render shows an entry, redacted as the recorder redacts cassettes (the
// body already is when it was cut).
func (j *journal) render(id uint64, x observe.ExchangeInfo, cut bool) wire.Request {
	truncated := cut
	body := x.Body
	if !cut && len(body) > 0 {
		body = j.red.RedactBody(body)
	}
	x.Query = j.red.RedactQuery(x.Query)
	e := wire.Request{ID: strconv.FormatUint(id, 10), At: stamp(x.At), Session: x.Session, Method: x.Method, Path: x.Path,
		Query: map[string][]string{}, Headers: map[string][]string(j.red.RedactHeaders(cassette.Headers(x.Header))), EventsSent: x.EventsSent,
		Faults: []wire.Fault{}, Violations: []wire.Violation{}, ViolationsDropped: x.ViolationsDropped}
	if e.Headers == nil {
		e.Headers = map[string][]string{}
	}
	if q, err := url.ParseQuery(x.Query); err == nil {
		e.Query = q
	} else {
		e.Query = map[string][]string{"": {clip.String(x.Query, 1000)}}
	}
	e.BodyTruncated = truncated
	switch {
	case utf8.Valid(body):
		e.Body = string(body)
	case e.BodyTruncated && utf8.Valid(trimPartialRune(body)):
		e.Body = string(trimPartialRune(body))
	default:
		e.Body = map[string]string{"base64": base64.StdEncoding.EncodeToString(body)}
	}
	if x.Interaction != "" {
		e.Interaction = &x.Interaction
	}
	if x.Stream != 0 {
		s := strconv.FormatUint(x.Stream, 10)
		e.Stream = &s
	}
	if x.Status != 0 {
		e.Status = &x.Status
	}
	for _, f := range x.Faults {
		fj := wire.Fault{Fault: f.Fault, Source: f.Source}
		if f.ArmedID != "" {
			id := f.ArmedID
			fj.ArmedID = &id
		}
		e.Faults = append(e.Faults, fj)
	}
	if x.Ended {
		e.End = &wire.RequestEnd{At: stamp(x.EndAt), Reason: x.EndReason}
	}
	for _, v := range x.Violations {
		e.Violations = append(e.Violations, wire.Violation(v))
	}
	return e
}

// trimPartialRune drops a UTF-8 sequence cut by the 64 KiB limit.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if r, _ := utf8.DecodeLastRune(b); r != utf8.RuneError {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}

// listRequests is GET /__ssetape/requests: the journal, oldest first,
// filtered; with wait=D it answers as soon as one entry matches.
func (c *Control) listRequests(w http.ResponseWriter, r *http.Request, _ string) {
	q := r.URL.Query()
	f := journalFilter{session: q.Get("session"), hasSession: q.Has("session"), method: q.Get("method"), path: q.Get("path")}
	if s := q.Get("since"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			writeErr(w, fieldErr("since", "since %q: want the id of a journal entry (a whole number)", clip.String(s, 40)))
			return
		}
		f.since = n
	}
	wait, err := waitOf(q)
	if err != nil {
		writeErr(w, err)
		return
	}
	out, ok := pollFor(c, r, wait, c.jour.changed, func() ([]wire.Request, bool) {
		l := c.jour.list(f)
		return l, len(l) > 0
	})
	if !ok {
		writeTooManyPolls(w)
		return
	}
	writeJSON(w, http.StatusOK, wire.Requests{Requests: out})
}

// clearRequests is DELETE /__ssetape/requests (?session=S: that session's).
func (c *Control) clearRequests(w http.ResponseWriter, r *http.Request, _ string) {
	q := r.URL.Query()
	n := c.jour.clear(q.Get("session"), q.Has("session"))
	writeJSON(w, http.StatusOK, wire.Count{Cleared: &n})
}
