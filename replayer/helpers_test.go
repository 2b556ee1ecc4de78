package replayer_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func newLoopbackServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	return httptest.NewServer(h)
}
