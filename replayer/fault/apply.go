package fault

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
)

// Limits bound what the faults of one request may plan, so that no request
// can buy minutes of CPU or gigabytes of memory. The planned response may
// hold at most Growth times the events, bytes and writes of the response
// before faults (plus a floor, so that small streams can still grow), and
// never more than the absolute caps; a response larger than a cap to begin
// with may keep its size.
type Limits struct {
	Faults int   // faults in one spec list
	Growth int   // the multiple of the response before faults
	Events int   // planned events, absolute
	Bytes  int64 // planned body bytes, absolute
	Chunks int   // planned writes, absolute
}

// DefaultLimits are the limits the replayer applies (docs/limits.md).
var DefaultLimits = Limits{Faults: 64, Growth: 4, Events: 1_000_000, Bytes: 256 << 20, Chunks: 1_000_000}

// The floors added to Growth times the response before faults.
const (
	eventFloor = 10_000
	byteFloor  = 1 << 20
	chunkFloor = 10_000
)

// LimitError says that the faults of a request went past a cap.
type LimitError struct {
	Cap   string // what was capped: "planned bytes", "faults per request", ...
	Limit int64
	Got   int64 // what the faults would have made (0 when not counted)
	Hint  string
}

func (e *LimitError) Error() string {
	msg := fmt.Sprintf("the faults go past the cap on %s (%d)", e.Cap, e.Limit)
	if e.Got > 0 {
		msg = fmt.Sprintf("the faults would make %d %s, over the cap of %d", e.Got, e.Cap, e.Limit)
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// ErrEmptySpec is returned for a Spec that was not made by Parse.
var ErrEmptySpec = errors.New("fault: an empty Spec; make specs with fault.Parse")

// budget is what one plan may grow to.
type budget struct {
	events int
	bytes  int64
	chunks int
}

func newBudget(p *Plan, lim Limits) budget {
	events, size, chunks := int64(p.Events()), p.Size(), int64(len(p.Chunks))
	g := int64(max(lim.Growth, 1))
	return budget{
		events: int(max(events, min(int64(lim.Events), g*events+eventFloor))),
		bytes:  max(size, min(lim.Bytes, g*size+byteFloor)),
		chunks: int(max(chunks, min(int64(lim.Chunks), g*(chunks+size)+chunkFloor))),
	}
}

func (b budget) checkBytes(n int64) error {
	if n > b.bytes {
		return &LimitError{Cap: "planned bytes", Limit: b.bytes, Got: n,
			Hint: "the planned body may be at most 4 times the recorded one plus 1 MiB (256 MiB at most)"}
	}
	return nil
}

func (b budget) checkChunks(n int64) error {
	if n > int64(b.chunks) {
		return &LimitError{Cap: "planned writes", Limit: int64(b.chunks), Got: n,
			Hint: "cut the stream into fewer writes (a larger chunk:size, a higher bandwidth:bps)"}
	}
	return nil
}

func (b budget) checkEvents(n int) error {
	if n > b.events {
		return &LimitError{Cap: "planned events", Limit: int64(b.events), Got: int64(n),
			Hint: "the planned stream may hold at most 4 times the recorded events plus 10000"}
	}
	return nil
}

// state is what a fault may use besides the plan.
type state struct {
	rng    *rand.Rand
	budget budget
	// ed collects the event faults of the request; they are applied
	// together, so that event numbers always mean the recorded events.
	ed *editor
}

// Apply changes a plan with the faults that apply to it: each fires with its
// probability (drawn from rng, in order), then they act in phase order
// (event faults, cut and hold, framing, timing, the response itself) and,
// within a phase, in the order given. It returns the specs applied. It
// stops with ctx's error when ctx is done (the client left), and with a
// *LimitError past a cap of lim. The plan's chunks and header must be its
// own: Apply replaces them but never changes the chunks' data in place.
func Apply(ctx context.Context, p *Plan, specs []*Spec, rng *rand.Rand, lim Limits) (applied []*Spec, err error) {
	if len(specs) > lim.Faults {
		return nil, &LimitError{Cap: "faults per request", Limit: int64(lim.Faults), Got: int64(len(specs)),
			Hint: "give at most that many faults in one list"}
	}
	var chosen []*Spec
	for _, s := range specs {
		if s == nil || s.f == nil {
			return nil, ErrEmptySpec
		}
		if s.p < 1 && rng.Float64() >= s.p {
			continue
		}
		chosen = append(chosen, s)
	}
	sort.SliceStable(chosen, func(i, j int) bool { return chosen[i].f.phase() < chosen[j].f.phase() })
	x := &state{rng: rng, budget: newBudget(p, lim)}
	rebuild := func() error {
		if x.ed == nil {
			return nil
		}
		events, size := x.ed.planned()
		if err := x.budget.checkEvents(events); err != nil {
			return err
		}
		if err := x.budget.checkBytes(size); err != nil {
			return err
		}
		x.ed.rebuild(p)
		x.ed = nil
		return nil
	}
	for _, s := range chosen {
		if err := ctx.Err(); err != nil {
			return applied, err
		}
		if s.f.phase() == phaseEvents {
			if !p.Stream {
				continue
			}
			if x.ed == nil {
				x.ed = newEditor(p)
			}
		} else if err := rebuild(); err != nil {
			return applied, err
		}
		if err := s.f.apply(p, x); err != nil {
			return applied, err
		}
		if err := x.budget.checkChunks(int64(len(p.Chunks))); err != nil {
			return applied, err
		}
		applied = append(applied, s)
	}
	if err := rebuild(); err != nil {
		return applied, err
	}
	if len(applied) > 0 && p.Stream {
		ChunkEvents(p.Chunks)
		if err := x.budget.checkEvents(p.Events()); err != nil {
			return applied, err
		}
	}
	return applied, nil
}
