// Package controlclient is a Go client of the replay server's control API
// (docs/control-api.md), for tests: hold a stream at an event, look, then
// release it; arm a fault for the next request; read the journal.
//
//	c := controlclient.New(url)
//	id, _ := c.Fault(ctx, "hold:type=tool_call", controlclient.FaultOptions{})
//	s, _ := c.WaitStream(ctx, controlclient.StreamFilter{State: "held"}, 10*time.Second)
//	// ... look at the page ...
//	_ = c.Release(ctx, s.ID, controlclient.Release{})
//
// Every method returns an *Error for an answer that is not 2xx, with the
// status and the server's message.
package controlclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ssetape/ssetape/replayer/control/wire"
)

// The shapes of the answers, as the server sends them.
type (
	Health     = wire.Health
	ArmedFault = wire.ArmedFault
	Stream     = wire.Stream
	Request    = wire.Request
	Problem    = wire.Problem
)

// Client talks to one server's control API.
type Client struct {
	// URL is the server's base URL, such as http://127.0.0.1:8080.
	URL string
	// Token, when set, is sent as Authorization: Bearer TOKEN.
	Token string
	// Session, when set, is the session the session-scoped calls use when
	// their options name none: faults, streams, requests, reset.
	Session string
	// HTTP is the client used; nil: a client with no timeout of its own
	// (long polls wait up to a minute; bound calls with their context).
	HTTP *http.Client
}

// New returns a client of the server at baseURL.
func New(baseURL string) *Client {
	return &Client{URL: strings.TrimSuffix(baseURL, "/")}
}

// ForSession returns a copy of the client whose calls default to session.
func (c *Client) ForSession(session string) *Client {
	cc := *c
	cc.Session = session
	return &cc
}

// Error is an answer that is not 2xx.
type Error struct {
	Status   int
	Message  string
	Field    string
	Problems []Problem
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("control API: %d: %s (field %s)", e.Status, e.Message, e.Field)
	}
	return fmt.Sprintf("control API: %d: %s", e.Status, e.Message)
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	return c.send(ctx, method, path, q, "application/json", body, out)
}

func (c *Client) send(ctx context.Context, method, path string, q url.Values, contentType string, body io.Reader, out any) error {
	u := c.URL + "/__ssetape/" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e wire.Error
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		return &Error{Status: resp.StatusCode, Message: e.Error, Field: e.Field, Problems: e.Problems}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("control API: %s %s: the answer is not the JSON expected: %v", method, path, err)
		}
	}
	return nil
}

func (c *Client) session(s *string) *string {
	if s != nil {
		return s
	}
	if c.Session != "" {
		return &c.Session
	}
	return nil
}

func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

func sessionQuery(q url.Values, s *string) url.Values {
	if s != nil {
		q.Set("session", *s)
	}
	return q
}

// Health is GET /__ssetape/health.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	err := c.do(ctx, http.MethodGet, "health", nil, nil, &h)
	return h, err
}

// Reset clears the counters of the client's session (all when it has
// none).
func (c *Client) Reset(ctx context.Context) error {
	s := c.Session
	return c.do(ctx, http.MethodPost, "reset", nil, wire.Reset{Session: &s}, nil)
}

// FaultOptions say which requests an armed fault is for; empty fields
// match any (Session: the client's). Times is how many requests use it up
// (0: 1; Forever: until disarmed).
type FaultOptions struct {
	Session *string
	Method  string
	Path    string
	Times   int
}

// Forever arms a fault until it is disarmed.
const Forever = -1

// Fault arms a fault and returns its id.
func (c *Client) Fault(ctx context.Context, spec string, o FaultOptions) (string, error) {
	in := wire.Arm{Fault: spec, Session: c.session(o.Session), Method: o.Method, Path: o.Path}
	switch {
	case o.Times == Forever:
		zero := 0
		in.Times = &zero
	case o.Times > 0:
		in.Times = &o.Times
	}
	var out wire.ID
	err := c.do(ctx, http.MethodPost, "faults", nil, in, &out)
	return out.ID, err
}

// Faults lists the armed faults.
func (c *Client) Faults(ctx context.Context) ([]ArmedFault, error) {
	var out wire.Faults
	err := c.do(ctx, http.MethodGet, "faults", nil, nil, &out)
	return out.Faults, err
}

// ClearFaults disarms one fault, or with id "" every fault of the client's
// session (every fault when it has none).
func (c *Client) ClearFaults(ctx context.Context, id string) error {
	if id != "" {
		return c.do(ctx, http.MethodDelete, "faults/"+url.PathEscape(id), nil, nil, nil)
	}
	return c.do(ctx, http.MethodDelete, "faults", sessionQuery(url.Values{}, c.session(nil)), nil, nil)
}

// StreamFilter selects open streams: Session (the client's when nil),
// State "open" or "held" ("" any).
type StreamFilter struct {
	Session *string
	State   string
}

// Streams lists the open streams that match.
func (c *Client) Streams(ctx context.Context, f StreamFilter) ([]Stream, error) {
	return c.streams(ctx, f, 0)
}

func (c *Client) streams(ctx context.Context, f StreamFilter, wait time.Duration) ([]Stream, error) {
	q := sessionQuery(query("state", f.State), c.session(f.Session))
	if wait > 0 {
		q.Set("wait", wait.String())
	}
	var out wire.Streams
	err := c.do(ctx, http.MethodGet, "streams", q, nil, &out)
	return out.Streams, err
}

// WaitStream waits up to wait (at most a minute) for an open stream that
// matches, and returns the first; an error when none came.
func (c *Client) WaitStream(ctx context.Context, f StreamFilter, wait time.Duration) (Stream, error) {
	deadline := time.Now().Add(wait)
	for {
		left := time.Until(deadline)
		ss, err := c.streams(ctx, f, min(max(left, time.Millisecond), time.Minute))
		if err != nil {
			return Stream{}, err
		}
		if len(ss) > 0 {
			return ss[0], nil
		}
		if time.Now().After(deadline) {
			return Stream{}, fmt.Errorf("control API: no %s stream within %v", orAny(f.State), wait)
		}
	}
}

func orAny(state string) string {
	if state == "" {
		return "open"
	}
	return state
}

// Release says how a held stream goes on: the zero value sends what
// follows up to the next hold point. All ignores later hold points; Events
// sends that many events and holds again; Until (an event type) or
// UntilData (a text the data contains) sends up to the next such event
// after the held one, and holds; TypeFrom reads Until's type from a JSON
// field (data.type). Speed divides the recorded gaps; Max sends at once.
type Release struct {
	All       bool
	Events    int
	Until     string
	TypeFrom  string
	UntilData string
	Speed     float64
	Max       bool
}

func (r Release) wire() wire.Release {
	w := wire.Release{All: r.All}
	if r.Events > 0 {
		w.Events = &r.Events
	}
	switch {
	case r.UntilData != "":
		w.Until, _ = json.Marshal(map[string]string{"data": r.UntilData})
	case r.Until != "" && r.TypeFrom != "":
		w.Until, _ = json.Marshal(map[string]string{"type": r.Until, "type_from": r.TypeFrom})
	case r.Until != "":
		w.Until, _ = json.Marshal(r.Until)
	}
	switch {
	case r.Max:
		w.Speed = json.RawMessage(`"max"`)
	case r.Speed > 0:
		w.Speed, _ = json.Marshal(r.Speed)
	}
	return w
}

// Release lets a held stream go on.
func (c *Client) Release(ctx context.Context, id string, r Release) error {
	return c.do(ctx, http.MethodPost, "streams/"+url.PathEscape(id)+"/release", nil, r.wire(), nil)
}

// ReleaseAll releases every held stream of the client's session (of all
// sessions when it has none) and returns their ids.
func (c *Client) ReleaseAll(ctx context.Context, r Release) ([]string, error) {
	in := struct {
		wire.Bulk
		wire.Release
	}{wire.Bulk{Session: c.session(nil)}, r.wire()}
	var out wire.Released
	err := c.do(ctx, http.MethodPost, "streams/release", nil, in, &out)
	return out.Released, err
}

// End ends an open stream now: cleanly, or with a TCP reset.
func (c *Client) End(ctx context.Context, id string, reset bool) error {
	return c.do(ctx, http.MethodPost, "streams/"+url.PathEscape(id)+"/end", nil, endOf(reset), nil)
}

// EndAll ends every open stream of the client's session (of all sessions
// when it has none) and returns their ids.
func (c *Client) EndAll(ctx context.Context, reset bool) ([]string, error) {
	in := struct {
		wire.Bulk
		wire.End
	}{wire.Bulk{Session: c.session(nil)}, endOf(reset)}
	var out wire.Ended
	err := c.do(ctx, http.MethodPost, "streams/end", nil, in, &out)
	return out.Ended, err
}

func endOf(reset bool) wire.End {
	if reset {
		return wire.End{How: "reset"}
	}
	return wire.End{How: "close"}
}

// RequestFilter selects journal entries: Session (the client's when nil),
// Method, Path (exact), Since (entries after that id).
type RequestFilter struct {
	Session *string
	Method  string
	Path    string
	Since   string
	// Wait, when set, waits up to this long (at most a minute) for one.
	Wait time.Duration
}

// Requests lists the journal's entries that match, oldest first.
func (c *Client) Requests(ctx context.Context, f RequestFilter) ([]Request, error) {
	q := sessionQuery(query("method", f.Method, "path", f.Path, "since", f.Since), c.session(f.Session))
	if f.Wait > 0 {
		q.Set("wait", f.Wait.String())
	}
	var out wire.Requests
	err := c.do(ctx, http.MethodGet, "requests", q, nil, &out)
	return out.Requests, err
}

// ClearRequests clears the journal of the client's session (all of it
// when it has none).
func (c *Client) ClearRequests(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "requests", sessionQuery(url.Values{}, c.session(nil)), nil, nil)
}

// AddCassette adds a cassette (YAML or JSON) for the client's session (for
// every request when it has none) and returns its id.
func (c *Client) AddCassette(ctx context.Context, cassette []byte) (string, error) {
	ct := "application/yaml"
	if t := bytes.TrimSpace(cassette); len(t) > 0 && t[0] == '{' {
		ct = "application/json"
	}
	var out wire.ID
	err := c.send(ctx, http.MethodPost, "cassettes", sessionQuery(url.Values{}, c.session(nil)), ct, bytes.NewReader(cassette), &out)
	return out.ID, err
}

// RemoveCassette removes a cassette added with AddCassette.
func (c *Client) RemoveCassette(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "cassettes/"+url.PathEscape(id), nil, nil, nil)
}
