package replayer

import (
	"net/http/httptest"
	"testing"

	"github.com/ssetape/ssetape/cassette"
)

// serveYAML serves a cassette given as YAML text from a Server with opts,
// on an httptest server; both close at the end of the test.
func serveYAML(t *testing.T, name, yaml string, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	c, err := cassette.Parse([]byte(yaml), name)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New([]Source{{Name: name, Cassette: c}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Cleanup(srv.Close)
	return srv, ts
}
