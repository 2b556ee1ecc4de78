// Package sse implements the Server-Sent Events wire format: a spec-exact,
// incremental decoder that also reports raw byte positions, and an encoder.
//
// The decoder follows WHATWG HTML §9.2.6 ("Interpreting an event stream") to
// the letter: CR, LF and CRLF line ends (also when split across reads, and
// dispatching at a CR without waiting for the next byte), a BOM stripped once
// at the start of the stream, UTF-8 decoded with the WHATWG replacement rule
// (one U+FFFD per maximal subpart), exactly one leading space removed from a
// value, ids with NUL ignored, retry taken only from ASCII digits, and an
// unterminated final block discarded. The events it returns never depend on
// how the input was split into reads.
//
// Two views are offered on the same stream. [Decoder.Next] is the browser's
// view: dispatched events only, as EventSource would fire them.
// [Decoder.NextBlock] is the raw view used by recorders, inspectors and
// linters: every block with its lines (comments, retry lines, id-only blocks,
// unknown fields) and their line endings.
//
// The package is not an HTTP client and does not reconnect; callers that
// reconnect seed the new decoder with [Decoder.SetLastEventID].
package sse
