package replayer

import (
	"context"

	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer/fault"
)

// The faults of one request come from the most specific source that names
// any: the request itself (Ssetape-Fault, ssetape_fault), then the faults
// armed at run time (the control API), then the interaction's (the
// cassette's faults:), then the command line's (--fault). A resumed request
// gets only the faults that say resume=yes.

// ArmedFaults gives the faults armed at run time.
type ArmedFaults interface {
	// Take returns the armed faults that match a request, oldest first,
	// using up one of their times each; with resumed, only those that apply
	// to a resumed request (resume=yes), so that the others are not used up.
	Take(session, method, path string, resumed bool) []Armed
}

// Armed is one armed fault as a request gets it.
type Armed struct {
	ID    string
	Specs []*fault.Spec
}

// The sources of faults, as the log and the journal name them.
const (
	SourceRequest     = "request"
	SourceArmed       = "armed"
	SourceCassette    = "cassette"
	SourceCommandLine = "command-line"
)

// sourced is a fault with where it came from.
type sourced struct {
	spec    *fault.Spec
	source  string
	armedID string
}

// faultsFor picks the faults of a request: reqFaults (nil when the request
// names none), else the armed ones, else the interaction's, else the command
// line's.
func (s *Server) faultsFor(rec *recorded, st *observe.Stream, reqFaults []*fault.Spec) []sourced {
	keep := func(f *fault.Spec) bool { return !st.Resumed || f.Resume() }
	var out []sourced
	add := func(specs []*fault.Spec, source, id string) {
		for _, f := range specs {
			if keep(f) {
				out = append(out, sourced{spec: f, source: source, armedID: id})
			}
		}
	}
	if reqFaults != nil {
		add(reqFaults, SourceRequest, "")
		return out
	}
	if s.opts.Armed != nil {
		if armed := s.opts.Armed.Take(st.Session, st.Method, st.Path, st.Resumed); len(armed) > 0 {
			for _, a := range armed {
				add(a.Specs, SourceArmed, a.ID)
			}
			return out
		}
	}
	if len(rec.faults) > 0 {
		add(rec.faults, SourceCassette, "")
		return out
	}
	add(s.opts.Faults, SourceCommandLine, "")
	return out
}

// withFaults applies a request's faults to its plan: on a copy of the
// chunks and header (a shared plan is never changed). It returns the faults
// applied.
func (s *Server) withFaults(ctx context.Context, p *fault.Plan, faults []sourced, rec *recorded, st *observe.Stream) ([]sourced, error) {
	if len(faults) == 0 {
		return nil, nil
	}
	p.Chunks = append([]fault.Chunk(nil), p.Chunks...)
	p.Header = p.Header.Clone()
	specs := make([]*fault.Spec, len(faults))
	for i, f := range faults {
		specs[i] = f.spec
	}
	rng := splitRand(s.opts.Seed, "faults", st.Session, rec.index, st.Repetition)
	applied, err := fault.Apply(ctx, p, specs, rng, s.opts.Limits)
	var out []sourced
	for _, a := range applied {
		for _, f := range faults {
			if f.spec == a {
				out = append(out, f)
				break
			}
		}
	}
	return out, err
}
