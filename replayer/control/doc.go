// Package control is the replay server's control API: the routes under
// /__ssetape/ with which a test drives a replay while it runs (DESIGN.md,
// "Control API"; docs/control-api.md). A test holds a stream at an event,
// looks at the page, then releases it; arms a fault for its next request;
// reads the journal of what its app sent; adds a cassette for one session.
//
// A Control is made before the replay server, because the server takes
// two of its parts as options (the armed faults and the journal), and then
// wraps the server's handler:
//
//	ctl := control.New(control.Options{})
//	opts.Armed, opts.Journal = ctl.Armed(), ctl.Journal()
//	srv, _ := replayer.New(sources, opts)
//	ctl.Attach(srv)
//	http.Serve(ln, ctl.Handler(srv))
//
// It reaches the server only through the Replayer interface. A proxy that
// records (no replay side) attaches nothing: the routes about replay then
// answer 404, and health and the journal still work.
//
// Guards: the API is on for a loopback listener and off (403) on any other
// unless a token is set; with a token every control request needs it. A
// request with an Origin header is refused unless that origin is allowed,
// POST bodies must say they are JSON (or YAML, for cassettes), and on
// loopback the Host must be a loopback name, so that a web page the
// browser under test opens can neither read the journal nor arm a fault.
//
// The Go client for tests is controlclient, beside this package.
package control
