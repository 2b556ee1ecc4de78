package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ssetape/ssetape/cassette"
)

// requestFlags are the curl-like flags of the commands that send one
// request (record, and assert of a live URL).
type requestFlags struct {
	Method  string
	Headers []string
	Data    string
}

// add declares the flags; what says what the request is for in the help.
func (f *requestFlags) add(fs *pflag.FlagSet, what string) {
	fs.StringVarP(&f.Method, "request", "X", "", what+"the method (GET, or POST with -d)")
	fs.StringArrayVarP(&f.Headers, "header", "H", nil, what+"a request header 'Name: value'; repeatable")
	fs.StringVarP(&f.Data, "data", "d", "", what+"the request body, or @FILE; sent as Content-Type: application/json unless a -H sets Content-Type")
}

// body returns the request body: -d's text, or the file -d @FILE names.
func (f *requestFlags) body() ([]byte, error) {
	if name, ok := strings.CutPrefix(f.Data, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, usageError("-d %s: %v", f.Data, err)
		}
		return b, nil
	}
	return []byte(f.Data), nil
}

// method is -X, else POST with a body, else GET.
func (f *requestFlags) method() string {
	switch {
	case f.Method != "":
		return f.Method
	case f.Data != "":
		return "POST"
	}
	return "GET"
}

// build makes the request to url with body (from body()).
func (f *requestFlags) build(ctx context.Context, url string, body []byte) (*http.Request, error) {
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return nil, usageError("%q is not an http:// or https:// URL", url)
	}
	var r io.Reader = strings.NewReader(string(body))
	req, err := http.NewRequestWithContext(ctx, f.method(), url, r)
	if err != nil {
		return nil, usageError("%s: %v", url, err)
	}
	for _, h := range f.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usageError("-H %q: want 'Name: value'", h)
		}
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	if f.Data != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// describe names a request for messages: "POST http://host/path?q=1", its
// query redacted as a cassette's is and its user info left out, so that a
// message never prints a credential.
func describe(req *http.Request) string {
	u := *req.URL
	u.User = nil
	u.RawQuery = cassette.Redaction{}.RedactQuery(u.RawQuery)
	return fmt.Sprintf("%s %s", req.Method, u.String())
}
