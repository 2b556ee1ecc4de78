// Package jsclients runs real JavaScript SSE clients (the npm openai,
// @anthropic-ai/sdk and eventsource packages, pinned for Node 20, and the
// seed frontend's fetch reader) against a server, for the tests of the
// replayer and the recorder. clients.mjs holds the scenarios; `npm ci` in
// this directory installs the packages (.ci/run does).
package jsclients

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// dir is this package's directory, where clients.mjs and node_modules are.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// Run runs one scenario of clients.mjs against base and returns its JSON
// result. Outside CI the test skips when Node.js or the packages are
// missing; in CI (CI set) it fails.
func Run(t testing.TB, base, scenario string) map[string]any {
	t.Helper()
	node, err := exec.LookPath("node")
	missing := ""
	if err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(dir(), "node_modules", "openai")); err != nil {
		missing = "the npm clients are not installed (cd internal/jsclients && npm ci)"
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	cmd := exec.Command(node, "clients.mjs", base, scenario)
	cmd.Dir = dir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res map[string]any
	if jerr := json.Unmarshal(bytes.TrimSpace(out), &res); jerr != nil {
		t.Fatalf("%s: %v; output %q, stderr %s", scenario, err, out, stderr.String())
	}
	if err != nil || res["error"] != nil {
		t.Fatalf("%s failed: %v %v\n%s", scenario, err, res["error"], stderr.String())
	}
	return res
}
