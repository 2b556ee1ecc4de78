// Package fault is the replayer's fault engine: a fault is a deliberate
// deviation at replay (a stream cut short, a reset, a stall or a hold, a
// malformed event, a missing done, the same bytes cut differently), and this
// package parses fault specs and applies them to a Plan, the chunks of one
// response with their due times, before anything is written.
//
// It is shaped after Toxiproxy's toxics: every fault is a named type that
// owns its parameters and its behaviour, built by its own constructor from a
// spec ("close:after=3"), registered by name so that the command line, a
// cassette and a request header can all name it, and tested on a plan with
// no server. Event faults (drop, duplicate, corrupt, merge, reorder,
// truncate, omit-last, inject) do not edit the body themselves: they ask an
// editor for a few operations (drop, duplicate, join with the next, insert
// after, cut at, replace, swap), and the editor rebuilds the body once, so
// that event numbers always mean the events as recorded.
//
// Applying is bounded: a request names at most Limits.Faults faults, and the
// planned response may grow only to a multiple of the recorded one, with an
// absolute cap (Limits); past a cap Apply returns a *LimitError that names
// it. Every step is linear in the size of the plan.
//
// It does not write anything and knows nothing of HTTP connections: the
// replayer builds plans and its transport writes them. docs/faults.md lists
// every fault.
package fault
