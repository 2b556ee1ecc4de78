package fault

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/ssetape/ssetape/internal/clip"
)

// statusFault answers with that status and a plain-text body instead of
// the stream (204 and 304 have no body), with Retry-After when given.
type statusFault struct {
	code     int
	retry    int
	hasRetry bool
	body     string
	hasBody  bool
}

func init() {
	register("status", []string{"code", "retry-after", "body"}, func(ps params) (fault, error) {
		code, ok, err := ps.int("code", 0)
		if err != nil || !ok || code < 200 || code > 599 {
			return nil, fmt.Errorf("code=%s: want an HTTP status from 200 to 599 (1xx answers are not final: a client would wait for another)", clip.String(ps["code"], 40))
		}
		retry, hasRetry, err := ps.int("retry-after", 0)
		if err != nil {
			return nil, fmt.Errorf("%v (whole seconds, as HTTP sends it)", err)
		}
		body, hasBody := ps["body"]
		return statusFault{code: code, retry: retry, hasRetry: hasRetry, body: body, hasBody: hasBody}, nil
	})
}

func (statusFault) phase() phase { return phaseResponse }

func (f statusFault) apply(p *Plan, _ *state) error {
	p.Status, p.Stream, p.Chunks, p.Reset = f.code, false, nil, false
	p.EndDue = p.HeadersDue
	p.Header = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
	if f.hasRetry {
		p.Header.Set("Retry-After", strconv.Itoa(f.retry))
	}
	switch {
	case f.code == http.StatusNoContent || f.code == http.StatusNotModified:
		p.Body = nil
	case f.hasBody:
		p.Body = []byte(f.body)
	default:
		p.Body = []byte(fmt.Sprintf("ssetape fault: status %d %s\n", f.code, http.StatusText(f.code)))
	}
	return nil
}
