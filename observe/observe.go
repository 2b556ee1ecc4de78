// Package observe declares how the servers report the streams they pass:
// the one observer shape that the replayer (what it sends) and the recorder
// (what its proxy forwards) both accept, so that a contract monitor
// (assert.NewMonitor), a journal or a test's own observer plugs into either.
//
// It holds declarations only, and imports nothing of ssetape but sse, so
// that the packages on both sides can import it without importing each
// other.
package observe

import "github.com/ssetape/ssetape/sse"

// Stream describes one stream, for observers and logs.
type Stream struct {
	// ID numbers the streams of one server, from 1.
	ID      uint64
	Session string // the Ssetape-Session it belongs to ("" the default)
	Method  string
	Path    string
	// Interaction names the interaction it replays ("chat.yaml#1"); "" for
	// a stream a proxy forwards.
	Interaction string
	Repetition  int  // 1 for the first response to this request in the session
	Resumed     bool // it resumes an earlier stream (Last-Event-ID)
	// Exchange is the record of the request the stream answers, which a
	// journal may keep: an observer that finds a broken rule records it
	// there (Violate), so that the journal shows it. Nil for a stream made
	// outside a server.
	Exchange *Exchange
}

// Observer watches streams. Event is called after each event is sent to
// the client, numbered from 1, after faults; End once when the stream ends,
// with nil when it was sent to the end. Calls for one stream come in order;
// streams run concurrently, so an Observer must be safe for concurrent use.
//
// Where the calls run depends on the server: the replayer calls them from
// its shared write schedulers for streams it took over from net/http, so a
// slow observer delays every stream of that scheduler (keep them to
// microseconds: record, count, hand off); the recorder's proxy calls them
// from a goroutine of the stream's own. A panic in an observer is contained
// by the server: logged with the stream, that stream's observation stops,
// and the stream itself goes on.
type Observer interface {
	Event(s *Stream, n int, e sse.Event)
	End(s *Stream, err error)
}
