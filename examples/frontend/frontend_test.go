// Package frontend_test runs the example pages in headless Chromium against a
// replay server, scenario by scenario: the headline use of ssetape, a
// frontend's streaming UI tested under every fault.
package frontend_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/fixtures"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/control"
	"github.com/ssetape/ssetape/replayer/control/controlclient"
)

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
)

// browser starts one headless Chromium for all the tests. Outside CI a
// machine without a browser skips; in CI (CI set) it fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path := ""
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
		if path == "" {
			browserErr = fmt.Errorf("no Chromium on this machine (apt-get install -y chromium)")
			return
		}
		dir, err := os.MkdirTemp("", "ssetape-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.UserDataDir(dir),
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-dev-shm-usage", true),
		}
		alloc, _ := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, _ := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil {
			browserErr = fmt.Errorf("starting Chromium: %w", err)
			return
		}
		browserCtx = ctx
	})
	if browserErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(browserErr)
		}
		t.Skip(browserErr)
	}
	return browserCtx
}

// The pages' file server and one replay server (CORS on, as a frontend on
// another origin needs) shared by every test: each test picks its scenario
// per request and has its own session.
var pagesURL, apiURL string

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	agent, err := cassette.Parse(fixtures.Agent, fixtures.AgentName)
	if err != nil {
		return 0, err
	}
	data, _ := fixtures.FS.ReadFile("events.yaml")
	events, err := cassette.Parse(data, "events.yaml")
	if err != nil {
		return 0, err
	}
	// A quicker reconnect than the fixture's 2 s.
	events.Interactions[0].Response.Wire = nil
	events.Interactions[0].Response.Entries[0].Retry = 300 * time.Millisecond
	// With the control API, as ssetape replay serves it: the tests arm
	// holds and release them.
	ctl := control.New(control.Options{})
	srv, err := replayer.New([]replayer.Source{{Name: fixtures.AgentName, Cassette: agent}, {Name: "events.yaml", Cassette: events}},
		replayer.Options{CORS: "*", Pacing: replayer.Pacing{Speed: 4}, Armed: ctl.Armed(), Journal: ctl.Journal()})
	if err != nil {
		return 0, err
	}
	ctl.Attach(srv)
	api := httptest.NewServer(ctl.Handler(srv))
	pages := httptest.NewServer(http.FileServer(http.Dir(".")))
	pagesURL, apiURL = pages.URL, api.URL
	code := m.Run()
	ctl.Close()
	srv.Close()
	api.Close()
	pages.Close()
	return code, nil
}

func servers(*testing.T) (pages, api string) { return pagesURL, apiURL }

// page is one loaded example page.
type page struct {
	t       *testing.T
	ctx     context.Context
	console *strings.Builder
	mu      *sync.Mutex
}

// open loads a page in a new tab with its settings in the query.
func open(t *testing.T, pages, api, file string, settings map[string]string) *page {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser(t))
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil { // opens the tab; no timeout on this first call
		t.Fatal(err)
	}
	ctx, cancelT := context.WithTimeout(tab, 30*time.Second)
	t.Cleanup(cancelT)
	p := &page{t: t, ctx: ctx, console: &strings.Builder{}, mu: &sync.Mutex{}}
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			fmt.Fprintln(p.console, m)
			p.mu.Unlock()
		}
	}()
	q := url.Values{"api": {api}, "autostart": {"1"}, "session": {t.Name()}}
	for k, v := range settings {
		q.Set(k, v)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(pages+"/"+file+"?"+q.Encode())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.saveOnFailure)
	return p
}

// saveOnFailure keeps a screenshot and the console log of a failed test.
func (p *page) saveOnFailure() {
	if !p.t.Failed() {
		return
	}
	dir := filepath.Join(os.TempDir(), "ssetape-frontend-failures", strings.ReplaceAll(p.t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "screenshot.png"), shot, 0o644)
	}
	p.mu.Lock()
	_ = os.WriteFile(filepath.Join(dir, "console.log"), []byte(p.console.String()), 0o644)
	p.mu.Unlock()
	p.t.Logf("screenshot and console log saved in %s", dir)
}

// waitState waits until the page's state is no longer idle or streaming
// (or equals want, for pages that pass through other states) and returns it.
func (p *page) waitState(within time.Duration, final ...string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, within)
	defer cancel()
	cond := `!['idle','streaming','reconnecting'].includes(document.getElementById('state').dataset.state)`
	if len(final) > 0 {
		cond = fmt.Sprintf(`[%s].includes(document.getElementById('state').dataset.state)`, quoteList(final))
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		p.t.Errorf("the page did not settle within %v (state %q): %v", within, p.text("state"), err)
	}
	return p.text("state")
}

func quoteList(ss []string) string {
	var q []string
	for _, s := range ss {
		q = append(q, "'"+s+"'")
	}
	return strings.Join(q, ",")
}

// text returns an element's text content.
func (p *page) text(id string) string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById(%q).textContent`, id)))
	return s
}

// spinning reports whether the spinner is visible.
func (p *page) spinning() bool {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('spinner').hidden`))
	return !hidden
}

const (
	answerJA = "資料を確認しました。第3四半期の売上は前年同期比12%増の48億円です。"
	answerEN = "Q3 revenue was $3.2M, up 12% year on year."
)

func TestFetchPage(t *testing.T) {
	pages, api := servers(t)
	cases := []struct {
		name     string
		settings map[string]string
		state    string
		answer   string // "" not checked
		errText  string // part of the error shown
	}{
		{"japanese", map[string]string{"path": "/api/chat"}, "done", answerJA, ""},
		{"english", map[string]string{"path": "/api/chat/en"}, "done", answerEN, ""},
		{"error then done", map[string]string{"path": "/api/chat/error"}, "error", "Looking that up", "did not answer in time"},
		// A reset throws away what the client had not read yet, so the
		// answer may be shorter; the UI must still show the error.
		{"dropped mid-stream", map[string]string{"path": "/api/chat/en", "fault": "reset:after=4"}, "error", "", "connection lost"},
		{"stall", map[string]string{"path": "/api/chat/en", "fault": "stall:after=2", "timeout": "1500"}, "error", "", "timeout"},
		{"malformed json", map[string]string{"path": "/api/chat/en", "fault": "corrupt:event=5,kind=json"}, "error", "Q3 revenue was ", "malformed event"},
		{"missing done", map[string]string{"path": "/api/chat/en", "fault": "omit-last"}, "error", answerEN, "ended without done"},
		{"one byte per chunk", map[string]string{"path": "/api/chat", "fault": "chunk:size=1"}, "done", answerJA, ""},
		{"split inside utf-8", map[string]string{"path": "/api/chat", "fault": "chunk:split=utf8,gap=10ms"}, "done", answerJA, ""},
		{"crlf", map[string]string{"path": "/api/chat/en", "fault": "eol:to=crlf"}, "done", answerEN, ""},
		{"cr only", map[string]string{"path": "/api/chat/en", "fault": "eol:to=cr;chunk:split=crlf"}, "done", answerEN, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := open(t, pages, api, "index.html", c.settings)
			if got := p.waitState(15 * time.Second); got != c.state {
				t.Errorf("state %q, want %q (error %q)", got, c.state, p.text("error"))
			}
			if p.spinning() {
				t.Error("a spinner is left spinning")
			}
			if c.answer != "" && p.text("answer") != c.answer {
				t.Errorf("answer %q, want %q", p.text("answer"), c.answer)
			}
			if c.errText != "" && !strings.Contains(p.text("error"), c.errText) {
				t.Errorf("error %q, want it to mention %q", p.text("error"), c.errText)
			}
			if c.state == "done" && strings.Contains(p.text("answer"), "\uFFFD") {
				t.Errorf("the text is broken: %q", p.text("answer"))
			}
		})
	}
}

// The EventSource page reconnects after the server cuts the stream, resumes
// with Last-Event-ID (a resumed request gets no faults), and finishes.
func TestEventSourcePageResumes(t *testing.T) {
	pages, api := servers(t)
	p := open(t, pages, api, "eventsource.html", map[string]string{"fault": "close:after=3"})
	if got := p.waitState(15*time.Second, "done", "error"); got != "done" {
		t.Fatalf("state %q (error %q)", got, p.text("error"))
	}
	if got := p.text("answer"); got != "Streaming events with ids so a client can resume." {
		t.Errorf("answer %q", got)
	}
	if p.text("reconnects") != "1" || p.text("lastid") != "7" {
		t.Errorf("reconnects %s, last id %s; want 1 and 7", p.text("reconnects"), p.text("lastid"))
	}
}

// The naive parser of the seed's article breaks where ssetape can make a
// stream break it: a UTF-8 character split between reads, and CR line ends.
func TestNaivePageIsCaught(t *testing.T) {
	pages, api := servers(t)
	t.Run("plain stream passes", func(t *testing.T) {
		p := open(t, pages, api, "naive.html", map[string]string{"path": "/api/chat/en"})
		if p.waitState(15*time.Second) != "done" || p.text("answer") != answerEN {
			t.Errorf("state %q answer %q", p.text("state"), p.text("answer"))
		}
	})
	t.Run("split inside utf-8 breaks it", func(t *testing.T) {
		p := open(t, pages, api, "naive.html", map[string]string{"path": "/api/chat", "fault": "chunk:split=utf8,gap=15ms"})
		p.waitState(15 * time.Second)
		if got := p.text("answer"); got == answerJA || !strings.Contains(got, "\uFFFD") {
			t.Errorf("the naive page rendered %q: the fault did not expose its bug", got)
		}
	})
	t.Run("cr line endings break it", func(t *testing.T) {
		p := open(t, pages, api, "naive.html", map[string]string{"path": "/api/chat/en", "fault": "eol:to=cr"})
		// The stream is over in about half a second; the page never
		// notices: no text, and the spinner spins on.
		time.Sleep(2 * time.Second)
		if got := p.text("state"); got != "streaming" || p.text("answer") != "" || !p.spinning() {
			t.Errorf("the naive page shows %q with %q: the fault did not expose its bug", got, p.text("answer"))
		}
	})
}

// The recipe of docs/control-api.md: hold the stream while the tool runs
// (before tool_result), look at the page (spinner on, the tool line shown,
// no answer yet), release it, and check the answer. The page's own code
// sends its request as always; the hold is armed from outside, for this
// test's session.
func TestHoldWhileTheToolRuns(t *testing.T) {
	pages, api := servers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := controlclient.New(api).ForSession(t.Name())
	if _, err := c.Fault(ctx, "hold:type=tool_result", controlclient.FaultOptions{Path: "/api/chat"}); err != nil {
		t.Fatal(err)
	}
	p := open(t, pages, api, "index.html", map[string]string{"path": "/api/chat"})
	held, err := c.WaitStream(ctx, controlclient.StreamFilter{State: "held"}, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if held.NextType == nil || *held.NextType != "tool_result" || held.EventsSent != 2 {
		t.Fatalf("held at %v after %d events", held.NextType, held.EventsSent)
	}
	// The page has had every event before the hold; wait until it has
	// rendered the tool line (no guess at how long that takes).
	wctx, wcancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer wcancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](`document.querySelectorAll('#tools .tool').length === 1`,
		chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("the tool line did not show while held: tools %q", p.text("tools"))
	}
	if got := p.text("tools"); !strings.Contains(got, "search_documents") || strings.Contains(got, "→") {
		t.Errorf("while held, tools show %q: want the call and no result", got)
	}
	if !p.spinning() || p.text("state") != "streaming" || p.text("answer") != "" || p.text("thinking") != "処理中..." {
		t.Errorf("while held: spinner %v, state %q, answer %q, thinking %q", p.spinning(), p.text("state"), p.text("answer"), p.text("thinking"))
	}
	if err := c.Release(ctx, held.ID, controlclient.Release{}); err != nil {
		t.Fatal(err)
	}
	if got := p.waitState(20 * time.Second); got != "done" {
		t.Fatalf("after the release: state %q (error %q)", got, p.text("error"))
	}
	if p.text("answer") != answerJA || p.spinning() || !strings.Contains(p.text("tools"), "→ 売上は") {
		t.Errorf("after the release: answer %q, tools %q, spinner %v", p.text("answer"), p.text("tools"), p.spinning())
	}
	// The journal saw the page's request, with the armed fault.
	reqs, err := c.Requests(ctx, controlclient.RequestFilter{Path: "/api/chat", Method: "POST"})
	if err != nil || len(reqs) != 1 || len(reqs[0].Faults) != 1 || reqs[0].Faults[0].Source != "armed" {
		t.Errorf("journal: %v %+v", err, reqs)
	}
}
