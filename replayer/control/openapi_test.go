package control_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/ssetape/ssetape/replayer/control/controlclient"
)

// checked is an http.RoundTripper that validates every control request and
// answer against docs/control-api.yaml, and records which operations and
// statuses were seen.
type checked struct {
	t      *testing.T
	router routers.Router
	mu     sync.Mutex
	seen   map[string]bool // "GET /__ssetape/health 200"
}

func (c *checked) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.Contains(req.URL.Path, "/__ssetape/") {
		return resp, err
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(out))

	// The validator reads the request again, as it was sent.
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	vreq.URL.Host = "127.0.0.1:8080" // the spec's server
	route, params, rerr := c.router.FindRoute(vreq)
	if rerr != nil {
		c.t.Errorf("%s %s: not in docs/control-api.yaml: %v", req.Method, req.URL.Path, rerr)
		return resp, nil
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	// A request the server refuses (400, 413, 415) need not fit the spec;
	// one it takes must.
	if resp.StatusCode < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			c.t.Errorf("%s %s: the request does not fit the spec: %v", req.Method, req.URL.Path, err)
		}
	}
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	rin.SetBodyBytes(out)
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		c.t.Errorf("%s %s → %d: the answer does not fit the spec: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, clip(string(out)))
	}
	c.mu.Lock()
	c.seen[fmt.Sprintf("%s %s %d", req.Method, route.Path, resp.StatusCode)] = true
	c.mu.Unlock()
	return resp, nil
}

// Every route of docs/control-api.yaml is exercised against the real
// handler, and every request and answer is validated against the file;
// every operation the file lists must have been seen.
func TestOpenAPI(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../docs/control-api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("docs/control-api.yaml is not valid OpenAPI: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	ck := &checked{t: t, router: router, seen: map[string]bool{}}
	s := start(t, max)
	c := s.Control
	c.HTTP = &http.Client{Transport: ck}
	x := ctx(t)

	// Health, reset.
	_, _ = c.Health(x)
	_ = c.Reset(x)
	_ = c.ForSession("s").Reset(x)
	// Faults: arm, list, disarm one and all, and a bad one.
	id, _ := c.Fault(x, "hold:type=tool_call", controlclient.FaultOptions{Session: ptr("s"), Method: "POST", Path: "/api/chat"})
	_, _ = c.Fault(x, "drop:type=done", controlclient.FaultOptions{Times: controlclient.Forever})
	_, _ = c.Fault(x, "nonsense", controlclient.FaultOptions{})
	_, _ = c.Faults(x)
	_ = c.ClearFaults(x, "no-such")
	// A held stream: list, wait, release, end.
	st := open(t, s.URL, "/api/chat", "Ssetape-Session", "s")
	h, err := c.WaitStream(x, controlclient.StreamFilter{State: "held"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Streams(x, controlclient.StreamFilter{Session: ptr("s")})
	_ = c.Release(x, h.ID, controlclient.Release{Events: 1, Speed: 2})
	_ = c.Release(x, h.ID, controlclient.Release{Until: "done", TypeFrom: "data.type"})
	_ = c.Release(x, "no-such", controlclient.Release{})
	_, _ = c.ReleaseAll(x, controlclient.Release{Max: true})
	_ = c.End(x, h.ID, false)
	_ = c.End(x, "no-such", true)
	_, _ = c.EndAll(x, false)
	st.rest(t)
	_ = c.ClearFaults(x, id)
	_ = c.ClearFaults(x, "")
	_, _ = c.Streams(x, controlclient.StreamFilter{State: "held"})
	// The journal.
	_, _ = c.Requests(x, controlclient.RequestFilter{Path: "/api/chat", Wait: 50 * time.Millisecond})
	_, _ = c.Requests(x, controlclient.RequestFilter{Since: "x"})
	_ = c.ClearRequests(x)
	// Cassettes.
	cid, _ := c.AddCassette(x, []byte(withIDs))
	_, _ = c.AddCassette(x, []byte("version: 1\ninteractions: [{request: {}}]\n"))
	_ = c.RemoveCassette(x, cid)
	_ = c.RemoveCassette(x, cid)

	// Every operation of the file was seen.
	var missing []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !slices.ContainsFunc(keys(ck.seen), func(k string) bool { return strings.HasPrefix(k, method+" "+path+" ") }) {
				missing = append(missing, method+" "+path)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations of docs/control-api.yaml not exercised: %v", missing)
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
