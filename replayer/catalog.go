package replayer

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/replayer/internal/jsonbody"
)

// The catalog is every interaction a server holds, in groups: the cassettes
// it was made with (the base group), and each cassette added while it runs,
// newest first. A request is answered by the newest added group that holds a
// match (for the request's session, or for every session), else by the
// base group: order and --repeat apply within that group. Each group keeps
// an index on method and path (and, for bodies compared exactly, on the
// canonical body), so that matching costs the same with 10 or 10,000
// interactions. A catalog is never changed: Add and Remove make a new one.

// Source is a cassette with the name to show for it.
type Source struct {
	Name     string
	Cassette *cassette.Cassette
}

type catalog struct {
	groups []*group // newest added first; the base group last
}

// group is the interactions of one cassette added at run time, or of the
// cassettes the server was made with.
type group struct {
	id      string // "" for the base group
	session string // matched only for this session's requests; "" every session
	recs    []*recorded
	byPath  map[string]*pathIndex
}

// pathIndex is the interactions of one path, in order: those whose method
// and body are compared exactly, by their key (exactKey), and the others.
type pathIndex struct {
	exact map[string][]*recorded
	loose []*recorded
}

func (c *catalog) count() int {
	n := 0
	for _, g := range c.groups {
		n += len(g.recs)
	}
	return n
}

// all lists every interaction, base group first then the added ones from the
// oldest: for the 404 message and for resuming.
func (c *catalog) all() []*recorded {
	var out []*recorded
	for i := len(c.groups) - 1; i >= 0; i-- {
		out = append(out, c.groups[i].recs...)
	}
	return out
}

// newGroup prepares the interactions of sources; first numbers them across
// the server (their index, for counters and random seeds).
func (s *Server) newGroup(id, session string, sources []Source, first int) (*group, error) {
	g := &group{id: id, session: session, byPath: map[string]*pathIndex{}}
	for _, src := range sources {
		for i, it := range src.Cassette.Interactions {
			name := src.Name
			if id != "" {
				name = "cassette:" + id
			}
			rec, err := prepare(first+len(g.recs), name, i+1, it, s.opts.Strict)
			if err != nil {
				return nil, err
			}
			g.recs = append(g.recs, rec)
		}
	}
	for _, rec := range g.recs {
		g.index(rec, s.opts.BodyAny)
	}
	return g, nil
}

// index files an interaction under its path.
func (g *group) index(rec *recorded, bodyAny bool) {
	pi := g.byPath[rec.path]
	if pi == nil {
		pi = &pathIndex{exact: map[string][]*recorded{}}
		g.byPath[rec.path] = pi
	}
	if key, ok := rec.exactKey(bodyAny); ok {
		pi.exact[key] = append(pi.exact[key], rec)
		return
	}
	pi.loose = append(pi.loose, rec)
}

// candidates lists the group's interactions that match a request, in order.
func (g *group) candidates(in *incoming, bodyAny bool) []*recorded {
	pi := g.byPath[in.path]
	if pi == nil {
		return nil
	}
	exact := pi.exact[in.exactKey()]
	// Most requests match one interaction: its set is made already, and
	// the list starts only with a second.
	var first *recorded
	var out []*recorded
	i, j := 0, 0
	for i < len(exact) || j < len(pi.loose) {
		var rec *recorded
		if j >= len(pi.loose) || i < len(exact) && exact[i].index < pi.loose[j].index {
			rec, i = exact[i], i+1
		} else {
			rec, j = pi.loose[j], j+1
		}
		switch {
		case rec.difference(in, bodyAny) != "":
		case first == nil:
			first = rec
		case out == nil:
			out = append(out, first, rec)
		default:
			out = append(out, rec)
		}
	}
	if out == nil && first != nil {
		return first.alone // read, never written
	}
	return out
}

// matched is what a request matched: the interactions that answer it, in
// order, and the name of that set (requests that match the same set share
// a counter).
type matched struct {
	cands []*recorded
	key   string
}

// match finds the interactions that answer a request.
func (c *catalog) match(in *incoming, session string, bodyAny bool) (matched, bool) {
	for _, g := range c.groups {
		if g.session != "" && g.session != session {
			continue
		}
		if cands := g.candidates(in, bodyAny); len(cands) > 0 {
			key := cands[0].aloneKey
			if len(cands) > 1 {
				key = setKey(cands)
			}
			return matched{cands: cands, key: key}, true
		}
	}
	return matched{}, false
}

// setKey names a set of matching interactions.
func setKey(cands []*recorded) string {
	var b strings.Builder
	for _, c := range cands {
		b.WriteString(strconv.Itoa(c.index))
		b.WriteByte(',')
	}
	return b.String()
}

// AddOptions say how an added cassette is matched.
type AddOptions struct {
	// Session, when set, limits the cassette to that session's requests.
	Session string
}

// Added is a cassette added to a running server.
type Added struct {
	ID           string
	Interactions int
}

// Add adds a cassette to a running server: from now on, a request it holds
// a match for is answered from it (the newest added first), ahead of the
// cassettes added before and of those the server was made with. Streams in
// flight are not affected. It is safe while serving.
func (s *Server) Add(src Source, opts AddOptions) (Added, error) {
	s.addMu.Lock()
	defer s.addMu.Unlock()
	old := s.cat.Load()
	id := strconv.FormatUint(s.addSeq+1, 10)
	g, err := s.newGroup(id, opts.Session, []Source{src}, s.indexes)
	if err != nil {
		return Added{}, err
	}
	s.addSeq++
	s.indexes += len(g.recs)
	groups := append([]*group{g}, old.groups...)
	s.cat.Store(&catalog{groups: groups})
	return Added{ID: id, Interactions: len(g.recs)}, nil
}

// ErrNoCassette is returned by Remove for an id that names no added
// cassette.
var ErrNoCassette = fmt.Errorf("no cassette added with that id")

// Remove removes a cassette added with Add; its streams in flight finish.
// Interaction numbers are never reused.
func (s *Server) Remove(id string) error {
	s.addMu.Lock()
	defer s.addMu.Unlock()
	old := s.cat.Load()
	i := slices.IndexFunc(old.groups, func(g *group) bool { return g.id == id && id != "" })
	if i < 0 {
		return ErrNoCassette
	}
	s.cat.Store(&catalog{groups: slices.Delete(slices.Clone(old.groups), i, i+1)})
	return nil
}

// RemoveSession removes every cassette added for one session.
func (s *Server) RemoveSession(session string) int {
	s.addMu.Lock()
	defer s.addMu.Unlock()
	old := s.cat.Load()
	groups := slices.DeleteFunc(slices.Clone(old.groups), func(g *group) bool { return g.id != "" && g.session == session })
	n := len(old.groups) - len(groups)
	if n > 0 {
		s.cat.Store(&catalog{groups: groups})
	}
	return n
}

// Holds reports whether a request matches an interaction the server holds,
// without serving it or moving any counter. It reads the request body and
// puts it back, so that the request can then be served by this server or
// another handler (proxy --mode replay-or-record).
func (s *Server) Holds(r *http.Request) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return false
	}
	session, err := sessionOf(r, q)
	if err != nil {
		return false
	}
	in := &incoming{method: r.Method, path: r.URL.Path, query: q, body: body}
	in.bodyJSON, in.isJSON = jsonbody.Parse(body)
	_, ok := s.cat.Load().match(in, session, s.opts.BodyAny)
	return ok
}
