package replayer

import (
	"fmt"
	"net/http"
	"strconv"
)

// status answers with that status and a plain-text body instead of the
// stream.
func init() {
	registerFault("status", []string{"code", "retry-after", "body"}, func(params map[string]string) (fault, error) {
		code, ok, err := intParam(params, "code", 100)
		if err == nil && (!ok || code > 599) {
			err = fmt.Errorf("give code=N, an HTTP status from 100 to 599")
		}
		if err != nil {
			return nil, err
		}
		retry, hasRetry, err := intParam(params, "retry-after", 0)
		if err != nil {
			return nil, fmt.Errorf("%v (whole seconds, as HTTP sends it)", err)
		}
		body, hasBody := params["body"]
		return funcFault{ph: phaseResponse, fn: func(p *Plan, _ *faultContext) error {
			p.Status, p.Stream, p.Chunks, p.Reset = code, false, nil, false
			p.Header = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
			if hasRetry {
				p.Header.Set("Retry-After", strconv.Itoa(retry))
			}
			switch {
			case code == http.StatusNoContent || code == http.StatusNotModified || code < 200:
				p.Body = nil
			case hasBody:
				p.Body = []byte(body)
			default:
				p.Body = []byte(fmt.Sprintf("ssetape fault: status %d %s\n", code, http.StatusText(code)))
			}
			return nil
		}}, nil
	})
}
