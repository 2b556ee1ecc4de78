package cassette

import "strings"

// ssetape's own request headers and query parameters: a test sends them to
// steer the replayer (docs/replay.md, "Sessions" and "Faults per request").
// They are never matched, forwarded upstream or recorded.
const (
	SessionHeader = "Ssetape-Session"
	SessionParam  = "ssetape_session"
	FaultHeader   = "Ssetape-Fault"
	FaultParam    = "ssetape_fault"
)

// IsOwnHeader reports whether a canonical header name is one of ssetape's
// own (Ssetape-*).
func IsOwnHeader(canonical string) bool { return strings.HasPrefix(canonical, "Ssetape-") }

// IsOwnParam reports whether a query parameter name is one of ssetape's own
// (ssetape_*).
func IsOwnParam(name string) bool { return strings.HasPrefix(name, "ssetape_") }
