// Package replayertest starts a replay server for a Go test: on a loopback
// port, stopped when the test ends.
package replayertest

import (
	"net/http/httptest"
	"testing"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/replayer"
)

// Start serves the cassettes on 127.0.0.1 for the length of the test and
// returns the server and its base URL ("http://127.0.0.1:PORT"). Streams
// still running at cleanup are ended.
func Start(t testing.TB, opts replayer.Options, cassettes ...*cassette.Cassette) (*replayer.Server, string) {
	t.Helper()
	var sources []replayer.Source
	for _, c := range cassettes {
		name := c.File
		if name == "" {
			name = c.Name
		}
		sources = append(sources, replayer.Source{Name: name, Cassette: c})
	}
	srv, err := replayer.New(sources, opts)
	if err != nil {
		t.Fatalf("replayer: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return srv, ts.URL
}
