package control

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ssetape/ssetape/internal/clip"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/control/wire"
	"github.com/ssetape/ssetape/replayer/fault"
)

// armory holds the faults armed at run time: replayer.ArmedFaults for the
// server, and the faults routes for the API.
type armory struct {
	// n is how many are armed, read without the lock: a request on a
	// server with none armed (the usual case under load) takes no lock.
	n  atomic.Int64
	mu sync.Mutex
	// Under mu: the armed faults, oldest first, and the last id given.
	list []*armedFault
	seq  uint64
	max  *int // the cap
}

type armedFault struct {
	id    string
	text  string
	specs []*fault.Spec
	// Empty matches any.
	session, method, path string
	// hasSession says session was given: "" is then the default session.
	hasSession bool
	// times is how many requests it was armed for (0: until disarmed);
	// left how many are left.
	times, left int
	// resumes says a spec applies to a resumed request (resume=yes).
	resumes bool
}

func newArmory(max *int) *armory { return &armory{max: max} }

func (a *armedFault) matches(session, method, path string) bool {
	return (!a.hasSession || a.session == session) &&
		(a.method == "" || strings.EqualFold(a.method, method)) &&
		(a.path == "" || a.path == path)
}

// Take implements replayer.ArmedFaults: every armed fault that matches,
// oldest first, each using up one of its times.
func (am *armory) Take(session, method, path string, resumed bool) []replayer.Armed {
	if am.n.Load() == 0 {
		return nil
	}
	am.mu.Lock()
	defer am.mu.Unlock()
	var out []replayer.Armed
	for _, a := range am.list {
		if !a.matches(session, method, path) || (resumed && !a.resumes) {
			continue
		}
		out = append(out, replayer.Armed{ID: a.id, Specs: a.specs})
		if a.times > 0 {
			a.left--
		}
	}
	am.list = slices.DeleteFunc(am.list, func(a *armedFault) bool { return a.times > 0 && a.left <= 0 })
	am.n.Store(int64(len(am.list)))
	return out
}

func (am *armory) arm(a *armedFault) (string, bool) {
	am.mu.Lock()
	defer am.mu.Unlock()
	if len(am.list) >= *am.max {
		return "", false
	}
	am.seq++
	a.id = "f" + strconv.FormatUint(am.seq, 10)
	am.list = append(am.list, a)
	am.n.Store(int64(len(am.list)))
	return a.id, true
}

// disarm removes the faults keep does not keep, and says how many went.
func (am *armory) disarm(gone func(a *armedFault) bool) int {
	am.mu.Lock()
	defer am.mu.Unlock()
	n := len(am.list)
	am.list = slices.DeleteFunc(am.list, gone)
	am.n.Store(int64(len(am.list)))
	return n - len(am.list)
}

func (am *armory) snapshot() []wire.ArmedFault {
	am.mu.Lock()
	defer am.mu.Unlock()
	out := make([]wire.ArmedFault, len(am.list))
	for i, a := range am.list {
		j := wire.ArmedFault{ID: a.id, Fault: a.text, Times: a.times}
		if a.hasSession {
			j.Session = &a.session
		}
		if a.method != "" {
			j.Method = &a.method
		}
		if a.path != "" {
			j.Path = &a.path
		}
		if a.times > 0 {
			left := a.left
			j.TimesLeft = &left
		}
		out[i] = j
	}
	return out
}

// armFault is POST /__ssetape/faults: {"fault": SPEC, "session", "method",
// "path", "times"} → 201 {"id"}.
func (c *Control) armFault(w http.ResponseWriter, r *http.Request, _ string) {
	var in wire.Arm
	if err := decode(r, &in); err != nil {
		writeErr(w, err)
		return
	}
	a, err := armedFrom(in.Fault, in.Session, in.Method, in.Path, in.Times)
	if err != nil {
		writeErr(w, err)
		return
	}
	id, ok := c.armed.arm(a)
	if !ok {
		writeError(w, http.StatusConflict, "", "there are "+strconv.Itoa(MaxArmed)+" armed faults, the most the server keeps; DELETE /__ssetape/faults disarms them")
		return
	}
	c.log.Info("control", "op", "arm", "id", id, "fault", clip.String(a.text, 200), "session", clip.String(a.session, 80),
		"method", a.method, "path", clip.String(a.path, 200), "times", a.times)
	writeJSON(w, http.StatusCreated, wire.ID{ID: id})
}

// armedFrom checks an armed fault's fields.
func armedFrom(spec string, session *string, method, path string, times *int) (*armedFault, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fieldErr("fault", `"fault" is required: a fault spec such as "hold:type=tool_call" (docs/faults.md)`)
	}
	specs, err := fault.Parse(spec)
	if err != nil {
		return nil, fieldErr("fault", "%v", err)
	}
	if len(specs) == 0 {
		return nil, fieldErr("fault", `"fault" names no fault (use DELETE /__ssetape/faults to disarm)`)
	}
	a := &armedFault{text: spec, specs: specs, method: strings.ToUpper(method), path: path, times: 1}
	if session != nil {
		if err := checkSession(*session); err != nil {
			return nil, err
		}
		a.session, a.hasSession = *session, true
	}
	if path != "" && !strings.HasPrefix(path, "/") {
		return nil, fieldErr("path", "path %q: give the exact URL path, starting with /, without the query", clip.String(path, 80))
	}
	if strings.Contains(path, "?") {
		return nil, fieldErr("path", "path %q: the path is matched without the query; leave ?... out", clip.String(path, 80))
	}
	if times != nil {
		if *times < 0 {
			return nil, fieldErr("times", "times %d: want 0 (until disarmed) or more", *times)
		}
		a.times = *times
	}
	a.left = a.times
	for _, s := range specs {
		if s.Resume() {
			a.resumes = true
		}
	}
	return a, nil
}

// listFaults is GET /__ssetape/faults.
func (c *Control) listFaults(w http.ResponseWriter, _ *http.Request, _ string) {
	writeJSON(w, http.StatusOK, wire.Faults{Faults: c.armed.snapshot()})
}

// disarmAll is DELETE /__ssetape/faults (?session=S: that session's).
func (c *Control) disarmAll(w http.ResponseWriter, r *http.Request, _ string) {
	q := r.URL.Query()
	session, one := q.Get("session"), q.Has("session")
	n := c.armed.disarm(func(a *armedFault) bool { return !one || (a.hasSession && a.session == session) })
	c.log.Info("control", "op", "disarm", "count", n, "session", clip.String(session, 80))
	writeJSON(w, http.StatusOK, wire.Count{Disarmed: &n})
}

// disarmOne is DELETE /__ssetape/faults/{id}.
func (c *Control) disarmOne(w http.ResponseWriter, _ *http.Request, id string) {
	if c.armed.disarm(func(a *armedFault) bool { return a.id == id }) == 0 {
		writeError(w, http.StatusNotFound, "", "no armed fault "+quote(id)+" (it may have been used up: GET /__ssetape/faults lists those armed)")
		return
	}
	c.log.Info("control", "op", "disarm", "id", clip.String(id, 40))
	one := 1
	writeJSON(w, http.StatusOK, wire.Count{Disarmed: &one})
}
