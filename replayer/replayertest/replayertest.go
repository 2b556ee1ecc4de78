// Package replayertest starts a replay server for a Go test: on a loopback
// port, with its control API, stopped when the test ends.
package replayertest

import (
	"net/http/httptest"
	"testing"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/control"
	"github.com/ssetape/ssetape/replayer/control/controlclient"
)

// Server is a replay server started for a test.
type Server struct {
	*replayer.Server
	// URL is its base URL, "http://127.0.0.1:PORT".
	URL string
	// Control is a client of its control API (docs/control-api.md):
	// hold, release and end streams, arm faults, read the journal.
	Control *controlclient.Client
}

// New serves the cassettes on 127.0.0.1 for the length of the test, with
// the control API under /__ssetape/. Options.Armed and Options.Journal are
// the control API's unless set. Streams still running at cleanup are
// ended.
func New(t testing.TB, opts replayer.Options, cassettes ...*cassette.Cassette) *Server {
	t.Helper()
	var sources []replayer.Source
	for _, c := range cassettes {
		name := c.File
		if name == "" {
			name = c.Name
		}
		sources = append(sources, replayer.Source{Name: name, Cassette: c})
	}
	ctl := control.New(control.Options{Logger: opts.Logger})
	if opts.Armed == nil {
		opts.Armed = ctl.Armed()
	}
	if opts.Journal == nil {
		opts.Journal = ctl.Journal()
	}
	srv, err := replayer.New(sources, opts)
	if err != nil {
		t.Fatalf("replayer: %v", err)
	}
	ctl.Attach(srv)
	ts := httptest.NewServer(ctl.Handler(srv))
	t.Cleanup(func() {
		ctl.Close()
		srv.Close()
		ts.Close()
	})
	return &Server{Server: srv, URL: ts.URL, Control: controlclient.New(ts.URL)}
}

// Start is New for a test that needs only the server and its URL.
func Start(t testing.TB, opts replayer.Options, cassettes ...*cassette.Cassette) (*replayer.Server, string) {
	t.Helper()
	s := New(t, opts, cassettes...)
	return s.Server, s.URL
}
