package asserttest_test

import (
	"strings"
	"testing"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/assert/asserttest"
	"github.com/ssetape/ssetape/fixtures"
)

// fakeT records what a test would be told.
type fakeT struct {
	testing.TB
	errors []string
}

func (f *fakeT) Helper()                   {}
func (f *fakeT) Name() string              { return "fake" }
func (f *fakeT) Log(args ...any)           {}
func (f *fakeT) Errorf(s string, a ...any) { f.errors = append(f.errors, s) }

func TestStream(t *testing.T) {
	good, _ := fixtures.FS.ReadFile("raw/agent.sse")
	if r := asserttest.Stream(t, assert.Agent(), good); !r.Passed() {
		t.Errorf("a valid stream failed: %+v", r.Violations)
	}
	bad, _ := fixtures.FS.ReadFile("broken/missing-done.sse")
	ft := &fakeT{TB: t}
	r := asserttest.Stream(ft, assert.Agent(), bad)
	if r.Passed() || len(ft.errors) != 1 || !strings.Contains(ft.errors[0], "breaks the %s contract") {
		t.Errorf("a broken stream: passed %v, errors %q", r.Passed(), ft.errors)
	}
}
