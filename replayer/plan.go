package replayer

import (
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/sse"
)

// Chunk is one write of a planned response: its bytes, when it is due
// (from the moment the request arrived), and the events it completes, in
// order. Faults act on a plan's chunks before anything is written.
type Chunk struct {
	Due    time.Duration
	Data   []byte
	Events []sse.Event
}

// Plan is everything that will be sent for one request. It is built from
// the matched interaction, then paced, then (later) changed by faults, and
// only then written.
type Plan struct {
	Status int
	// Header is the response header (the recorded one, less what the
	// server sets itself, plus what streaming needs).
	Header http.Header
	// NoContentType sends no Content-Type at all (a fault's doing).
	NoContentType bool
	// Faults lists the faults applied, as written.
	Faults     []string
	HeadersDue time.Duration
	Stream     bool
	Chunks     []Chunk // for a stream
	Body       []byte  // for a response that is not a stream
	Edited     bool    // a recorded stream whose entries were edited
	// EndDue is when the stream ends, after its last chunk: a recording
	// that stayed open after its last event is replayed open as long.
	EndDue time.Duration
	// Reset ends the stream with a TCP reset instead of the end of the
	// body, as a recording that ended with a reset did.
	Reset bool

	// head caches the response head of a shared plan (see hijack).
	head *headCache
}

// prepared is an interaction's stream worked out once at start-up.
type prepared struct {
	once sync.Once
	plan *Plan // the shared plan of the whole stream, when there is one

	chunks    []cassette.Chunk
	events    [][]sse.Event // per chunk: the events it completes
	types     []string      // per chunk: the type of the first event it completes ("" none; "message" for untyped)
	edited    bool
	resumeAt  map[string]int64 // last event id -> body offset just after the block that set it
	resumeDue map[string]time.Duration
	size      int64
}

func prepareStream(r *cassette.Response, strict bool) (*prepared, error) {
	chunks, edited, err := r.Plan(strict)
	if err != nil {
		return nil, err
	}
	p := &prepared{chunks: chunks, edited: edited, events: make([][]sse.Event, len(chunks)), types: make([]string, len(chunks)),
		resumeAt: map[string]int64{}, resumeDue: map[string]time.Duration{}}
	blocks, err := cassette.Timeline(chunks)
	if err != nil {
		return nil, err
	}
	starts := make([]int64, len(chunks))
	for i, c := range chunks {
		starts[i] = p.size
		p.size += int64(len(c.Data))
	}
	chunkOf := func(off int64) int {
		i := 0
		for i+1 < len(starts) && starts[i+1] <= off {
			i++
		}
		return i
	}
	lastID := ""
	for _, b := range blocks {
		if !b.Terminated {
			continue
		}
		// The block is complete with the chunk that holds its dispatching
		// line end.
		end := b.End - int64(len(b.Ending.Bytes()))
		if b.Dispatched {
			i := chunkOf(end)
			e := b.Event
			p.events[i] = append(p.events[i], e)
			if p.types[i] == "" {
				p.types[i] = eventType(e.Type)
			}
			lastID = e.LastEventID
		} else {
			for _, l := range b.Lines {
				if l.Kind == sse.ID && !l.Ignored {
					lastID = l.Value
				}
			}
		}
		if _, seen := p.resumeAt[lastID]; !seen && lastID != "" {
			p.resumeAt[lastID] = b.End
			p.resumeDue[lastID] = b.At
		}
	}
	return p, nil
}

func eventType(t string) string {
	if t == "" {
		return "message"
	}
	return t
}

// after returns the chunks that follow body offset off, the chunk that
// holds it cut there, with offsets moved so that the first one is due at
// the same distance from the headers as before, minus base.
func (p *prepared) after(off int64, base time.Duration) ([]cassette.Chunk, [][]sse.Event, []string) {
	var chunks []cassette.Chunk
	var events [][]sse.Event
	var types []string
	pos := int64(0)
	for i, c := range p.chunks {
		next := pos + int64(len(c.Data))
		if next > off {
			data := c.Data
			if pos < off {
				data = data[off-pos:]
			}
			chunks = append(chunks, cassette.Chunk{At: max(0, c.At-base), Data: data})
			events = append(events, p.events[i])
			types = append(types, p.types[i])
		}
		pos = next
	}
	return chunks, events, types
}

// Pacing says how recorded offsets become send times. The steps apply in
// this order to each chunk's gap (its offset minus the previous chunk's, or
// minus headers_at for the first): GapFor and Gap replace it, MaxGap caps
// it, Speed divides it, Jitter moves it by a random amount in [-Jitter,
// +Jitter] (never below zero). TTFB replaces headers_at, unscaled.
type Pacing struct {
	// Speed divides every gap: 2 is twice as fast; 0 or 1 as recorded.
	Speed float64
	// Max sends everything at once (--speed max).
	Max bool
	// Gap, when > 0, is the gap before every chunk.
	Gap time.Duration
	// GapFor sets the gap before chunks that complete an event of a type
	// ("message" for events without a type).
	GapFor map[string]time.Duration
	// MaxGap, when > 0, caps every gap.
	MaxGap time.Duration
	// TTFB, when HasTTFB, is when the headers are sent.
	TTFB    time.Duration
	HasTTFB bool
	// Jitter, when > 0, is the most a gap moves either way.
	Jitter time.Duration
}

// pace turns recorded offsets into due times.
func (pc *Pacing) pace(headersAt time.Duration, chunks []cassette.Chunk, types []string, rng *rand.Rand) (time.Duration, []time.Duration) {
	scale := func(d time.Duration) time.Duration {
		switch {
		case pc.Max:
			return 0
		case pc.Speed > 0 && pc.Speed != 1:
			return time.Duration(float64(d) / pc.Speed)
		}
		return d
	}
	headers := scale(headersAt)
	if pc.HasTTFB {
		headers = pc.TTFB
	}
	due := make([]time.Duration, len(chunks))
	prevAt, t := headersAt, headers
	for i, c := range chunks {
		gap := max(0, c.At-prevAt)
		prevAt = c.At
		if pc.Gap > 0 {
			gap = pc.Gap
		}
		if d, ok := pc.GapFor[types[i]]; ok && types[i] != "" {
			gap = d
		}
		if pc.MaxGap > 0 && gap > pc.MaxGap {
			gap = pc.MaxGap
		}
		gap = scale(gap)
		if pc.Jitter > 0 && rng != nil {
			gap = max(0, gap+time.Duration(rng.Int64N(int64(2*pc.Jitter)+1))-pc.Jitter)
		}
		t += gap
		due[i] = t
	}
	return headers, due
}

// endDue paces the end of a stream: its recorded gap after the last chunk,
// capped by MaxGap and divided by Speed (Gap, GapFor and Jitter apply to
// chunks only).
func (pc *Pacing) endDue(lastAt, lastDue, endAt time.Duration) time.Duration {
	gap := max(0, endAt-lastAt)
	if pc.MaxGap > 0 && gap > pc.MaxGap {
		gap = pc.MaxGap
	}
	switch {
	case pc.Max:
		gap = 0
	case pc.Speed > 0 && pc.Speed != 1:
		gap = time.Duration(float64(gap) / pc.Speed)
	}
	return lastDue + gap
}

// requestRand is the random source of one request: split from the seed by
// session, interaction and repetition, so that results never depend on how
// requests interleave.
func requestRand(seed uint64, session string, interaction, repetition int) *rand.Rand {
	return splitRand(seed, "pacing", session, interaction, repetition)
}

// splitRand is a random source for one purpose of one request.
func splitRand(seed uint64, purpose, session string, interaction, repetition int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(session))
	var b [16]byte
	for i := range 8 {
		b[i] = byte(uint64(interaction) >> (8 * i))
		b[8+i] = byte(uint64(repetition) >> (8 * i))
	}
	h.Write(b[:])
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}
