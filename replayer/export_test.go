package replayer

import (
	"bytes"
	"net/http"
	"sync"

	"github.com/ssetape/ssetape/replayer/internal/jsonbody"
)

// LogBuffer collects a server's log lines, safe for its goroutines. It is
// exported (in a test file of the package) so that the external tests use
// it too.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// CandidatesForTest is the interactions the index finds for a request, by
// label, in order.
func CandidatesForTest(s *Server, method, url string, body []byte) []string {
	in := incomingForTest(method, url, body)
	m, _ := s.cat.Load().match(in, "", s.opts.BodyAny)
	return labels(m.cands)
}

// ScanForTest is the interactions a plain scan over every interaction finds
// for a request, by label, in order: what the index must agree with.
func ScanForTest(s *Server, method, url string, body []byte) []string {
	in := incomingForTest(method, url, body)
	var out []*recorded
	for _, rec := range s.cat.Load().all() {
		if rec.difference(in, s.opts.BodyAny) == "" {
			out = append(out, rec)
		}
	}
	return labels(out)
}

func incomingForTest(method, url string, body []byte) *incoming {
	r, _ := http.NewRequest(method, url, nil)
	q, _ := parseQuery(r.URL.RawQuery)
	in := &incoming{method: r.Method, path: r.URL.Path, query: q, body: body}
	in.bodyJSON, in.isJSON = jsonbody.Parse(body)
	return in
}

func labels(recs []*recorded) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.label)
	}
	return out
}
