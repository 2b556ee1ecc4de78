package control

import (
	"net/http"
	"slices"
	"strings"

	"github.com/ssetape/ssetape/internal/clip"
)

// handlerFunc serves one route; id is the {id} of the path, "" for none.
type handlerFunc func(c *Control, w http.ResponseWriter, r *http.Request, id string)

// route is one path of the API with the handler of each method. replay
// marks the routes that act on the replay side: 404 without one.
type route struct {
	path    string // under Prefix; "{id}" stands for one path segment
	methods map[string]handlerFunc
	replay  bool
}

// routes is the whole API (DESIGN.md's table, docs/control-api.yaml).
var routes = []route{
	{path: "health", methods: map[string]handlerFunc{http.MethodGet: (*Control).health}},
	{path: "reset", methods: map[string]handlerFunc{http.MethodPost: (*Control).reset}, replay: true},
	{path: "faults", methods: map[string]handlerFunc{http.MethodPost: (*Control).armFault, http.MethodGet: (*Control).listFaults, http.MethodDelete: (*Control).disarmAll}, replay: true},
	{path: "faults/{id}", methods: map[string]handlerFunc{http.MethodDelete: (*Control).disarmOne}, replay: true},
	{path: "streams", methods: map[string]handlerFunc{http.MethodGet: (*Control).listStreams}, replay: true},
	{path: "streams/release", methods: map[string]handlerFunc{http.MethodPost: (*Control).releaseMany}, replay: true},
	{path: "streams/end", methods: map[string]handlerFunc{http.MethodPost: (*Control).endMany}, replay: true},
	{path: "streams/{id}/release", methods: map[string]handlerFunc{http.MethodPost: (*Control).releaseOne}, replay: true},
	{path: "streams/{id}/end", methods: map[string]handlerFunc{http.MethodPost: (*Control).endOne}, replay: true},
	{path: "requests", methods: map[string]handlerFunc{http.MethodGet: (*Control).listRequests, http.MethodDelete: (*Control).clearRequests}},
	{path: "cassettes", methods: map[string]handlerFunc{http.MethodPost: (*Control).addCassette}, replay: true},
	{path: "cassettes/{id}", methods: map[string]handlerFunc{http.MethodDelete: (*Control).removeCassette}, replay: true},
}

// match finds the route of a path under Prefix, and its {id}.
func match(rest string) (*route, string) {
	segs := strings.Split(rest, "/")
	for i := range routes {
		pat := strings.Split(routes[i].path, "/")
		if len(pat) != len(segs) {
			continue
		}
		id, ok := "", true
		for j, p := range pat {
			switch {
			case p == "{id}" && segs[j] != "":
				id = segs[j]
			case p != segs[j]:
				ok = false
			}
		}
		// A literal route wins over an {id} one (streams/release is not
		// the stream "release").
		if ok && (id == "" || !literalMatches(rest)) {
			return &routes[i], id
		}
	}
	return nil, ""
}

func literalMatches(rest string) bool {
	return slices.ContainsFunc(routes, func(r route) bool { return r.path == rest })
}

// route serves a request that passed the guard.
func (c *Control) route(w http.ResponseWriter, r *http.Request) {
	rt, id := match(strings.TrimPrefix(r.URL.Path, Prefix))
	if rt == nil {
		writeError(w, http.StatusNotFound, "", "no control route "+quote(r.URL.Path)+"; docs/control-api.md lists them")
		return
	}
	h, ok := rt.methods[r.Method]
	if !ok {
		allow := make([]string, 0, len(rt.methods))
		for m := range rt.methods {
			allow = append(allow, m)
		}
		slices.Sort(allow)
		methodNotAllowed(w, r, allow...)
		return
	}
	if rt.replay && c.replayer() == nil {
		writeError(w, http.StatusNotFound, "", clip.String(r.URL.Path, 120)+" acts on replayed streams, and this server replays nothing (proxy in record or passthrough mode)")
		return
	}
	h(c, w, r, id)
}
