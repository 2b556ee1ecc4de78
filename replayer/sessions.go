package replayer

import (
	"container/list"
	"log/slog"
	"sync"
	"time"

	"github.com/ssetape/ssetape/internal/clip"
)

// Sessions: each Ssetape-Session value has its own counters, so that
// parallel tests each get the recorded responses in order. They are kept
// for at most max sessions: past that the least recently used session's
// counters are dropped (it starts again from the first recorded response),
// with a log line at most every evictEvery.

// DefaultMaxSessions is how many sessions' counters a server keeps.
const DefaultMaxSessions = 10_000

const evictEvery = 10 * time.Second

type sessions struct {
	log *slog.Logger
	max int
	// mu guards everything below.
	mu      sync.Mutex
	byName  map[string]*list.Element // of *session
	lru     *list.List               // most recently used first
	evicted int                      // since the last log line
	warned  time.Time
}

// session is one session's state.
type session struct {
	name     string
	counters map[string]int       // matching set -> requests so far
	last     map[string]*recorded // path -> the interaction last served
}

func newSessions(max int, log *slog.Logger) *sessions {
	if max <= 0 {
		max = DefaultMaxSessions
	}
	return &sessions{log: log, max: max, byName: map[string]*list.Element{}, lru: list.New()}
}

// get returns a session's state, making it (and evicting the least recently
// used one past max) when needed; under mu.
func (ss *sessions) get(name string) *session {
	if el, ok := ss.byName[name]; ok {
		ss.lru.MoveToFront(el)
		return el.Value.(*session)
	}
	se := &session{name: name, counters: map[string]int{}, last: map[string]*recorded{}}
	ss.byName[name] = ss.lru.PushFront(se)
	for ss.lru.Len() > ss.max {
		old := ss.lru.Back()
		ss.lru.Remove(old)
		delete(ss.byName, old.Value.(*session).name)
		ss.evicted++
	}
	if ss.evicted > 0 && time.Since(ss.warned) >= evictEvery {
		ss.log.Warn("more sessions than --max-sessions: the least recently used sessions' counters were dropped; such a session starts again from the first recorded response",
			"dropped", ss.evicted, "max_sessions", ss.max, "latest", clip.String(name, 80))
		ss.evicted, ss.warned = 0, time.Now()
	}
	return se
}

// next counts a request of a session to a matching set and returns how many
// came before it.
func (ss *sessions) next(name, set string) int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	se := ss.get(name)
	n := se.counters[set]
	se.counters[set] = n + 1
	return n
}

// served notes the interaction a session was last served on a path (where a
// resume looks first).
func (ss *sessions) served(name, path string, rec *recorded) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.get(name).last[path] = rec
}

// lastServed is the interaction a session was last served on a path, or nil.
func (ss *sessions) lastServed(name, path string) *recorded {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if el, ok := ss.byName[name]; ok {
		return el.Value.(*session).last[path]
	}
	return nil
}

// reset clears one session's counters, or every session's with "".
func (ss *sessions) reset(name string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if name == "" {
		ss.byName = map[string]*list.Element{}
		ss.lru.Init()
		return
	}
	if el, ok := ss.byName[name]; ok {
		ss.lru.Remove(el)
		delete(ss.byName, name)
	}
}
