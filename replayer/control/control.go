package control

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer"
)

// Prefix is where the control routes live, on the replayed traffic's own
// listener: a path under it is never matched against cassettes, forwarded
// upstream or journaled as traffic.
const Prefix = "/__ssetape/"

// Replayer is what the control API needs of a replay server: the narrow
// side of replayer.Server it drives.
type Replayer interface {
	Interactions() int
	Reset(session string)
	Streams() []replayer.StreamInfo
	StreamsChanged() <-chan struct{}
	ReleaseStream(id string, r replayer.Release) error
	EndStream(id string, reset bool) error
	Add(src replayer.Source, opts replayer.AddOptions) (replayer.Added, error)
	Remove(id string) error
}

// The caps of DESIGN.md: each answers 409 (or 429, for long polls) past it.
const (
	MaxArmed       = 10_000
	MaxAdded       = 1_000
	MaxLongPolls   = 1_000
	MaxWait        = 60 * time.Second
	DefaultJournal = 10_000
	// MaxJournalBytes bounds the memory the journal's entries hold.
	MaxJournalBytes = 64 << 20
	// MaxBodyKept is how much of a request body a journal entry keeps.
	MaxBodyKept = 64 << 10
	// maxControlBody is the largest JSON body a control route reads.
	maxControlBody = 1 << 20
)

// Options configure a Control.
type Options struct {
	// Token, when set, is required of every control request as
	// "Authorization: Bearer TOKEN"; it also turns the API on for a
	// listener that is not loopback. It is compared in constant time and
	// never logged.
	Token string
	// CORS allows control requests from this one origin ("*" any): without
	// it a request that carries an Origin header gets 403.
	CORS string
	// Journal is how many requests the journal keeps (0: DefaultJournal;
	// negative: none kept).
	Journal int
	// Redaction is what the journal redacts, as the recorder redacts
	// cassettes.
	Redaction cassette.Redaction
	// Logger gets a line per change a control request makes; nil discards.
	Logger *slog.Logger
}

// Control serves the control API. Make it with New.
type Control struct {
	opts  Options
	log   *slog.Logger
	armed *armory
	jour  *journal

	// rep is the replay side, set once by Attach (nil: no replay side).
	rep atomic.Pointer[replayerBox]

	// polls counts the long polls waiting now.
	polls atomic.Int64
	// done is closed by Close: long polls answer at once.
	done      chan struct{}
	closeOnce sync.Once

	// addedMu guards added: the cassettes added through the API that are
	// still there (for the cap).
	addedMu sync.Mutex
	added   map[string]bool

	// caps are the caps in force: the constants, smaller in tests.
	caps caps
}

type caps struct{ armed, added, polls int }

type replayerBox struct{ r Replayer }

// New returns a control API with nothing attached.
func New(opts Options) *Control {
	c := &Control{opts: opts, log: opts.Logger, done: make(chan struct{}), added: map[string]bool{},
		caps: caps{armed: MaxArmed, added: MaxAdded, polls: MaxLongPolls}}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c.armed = newArmory(&c.caps.armed)
	n := opts.Journal
	if n == 0 {
		n = DefaultJournal
	}
	c.jour = newJournal(max(n, 0), MaxJournalBytes, opts.Redaction)
	return c
}

// Armed is the faults armed through the API, for replayer.Options.Armed.
func (c *Control) Armed() replayer.ArmedFaults { return c.armed }

// Journal is the journal, for replayer.Options.Journal (and a proxy's).
func (c *Control) Journal() observe.Journal { return c.jour }

// Attach sets the replay side the routes about replay act on.
func (c *Control) Attach(r Replayer) { c.rep.Store(&replayerBox{r}) }

func (c *Control) replayer() Replayer {
	if b := c.rep.Load(); b != nil {
		return b.r
	}
	return nil
}

// Close ends the long polls waiting now (they answer what they have) and
// makes later ones answer at once: call it before shutting the HTTP server
// down, which waits for every handler.
func (c *Control) Close() { c.closeOnce.Do(func() { close(c.done) }) }

// Handler serves the control routes and hands every other request to next
// (nil: 404 for them, for a listener of its own, --control-listen).
func (c *Control) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, Prefix) {
			if next == nil {
				writeError(w, http.StatusNotFound, "", "this listener serves only the control API, under "+Prefix)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		c.ServeHTTP(w, r)
	})
}

// ServeHTTP serves one control request (its path is under Prefix).
func (c *Control) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !c.guard(w, r) {
		return
	}
	c.route(w, r)
}
