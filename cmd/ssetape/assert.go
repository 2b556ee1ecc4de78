package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/assert"
)

// assertOptions holds the flags of `ssetape assert` and what it gets from
// outside (env).
type assertOptions struct {
	*env
	Targets  []string
	Contract string
	Format   string
	Color    bool
	// For live URLs, as in record.
	requestFlags
	MaxTime  time.Duration
	FailFast bool
}

func newAssertCmd(e *env, runF func(*assertOptions) error) *cobra.Command {
	o := &assertOptions{env: e}
	cmd := &cobra.Command{
		Use:   "assert [flags] TARGET...",
		Short: "Check that streams keep their contract",
		Long: `Check each TARGET against a stream contract: a cassette (each streamed interaction),
a raw SSE file, a directory (every .yaml, .yml and .sse file under it, as proxy -o DIR/
writes them), - for standard input (a cassette when it starts with version:, raw SSE
otherwise), or a URL: one live request (-X, -H, -d as in record), checked as the
events arrive.

Interactions that are not streams (a CORS preflight, a JSON answer) are skipped with a
note. A failure names the rule (AGT-1 ...), the event (number, offset, type, an
excerpt of its data) and what was expected there. Rules are judged as soon as the
events decide them; --fail-fast stops a live stream at the first broken error rule.
Errors fail the check (exit status 1); warnings are reported and do not. Exit 2 when
there was nothing to check at all, or the input is unusable; a live URL that answers
anything but 2xx exits with 3, printing the status and the start of the body.

Contracts: the presets agent (the seed's agent protocol, AGT-1 to AGT-7), openai-chat
(OAI-CC-1 to 11), openai-responses (OAI-R-1 to 10), anthropic (ANT-1 to 11), gemini
(GEM-1 to 8), vercel-ai (VAI-1 to 9), langgraph (LG-1 to 10, LCE-1 to 6) and mcp
(MCP-1 to 6); a contract file of your own (rules and a sequence grammar); and auto,
which recognises the format from the stream (or, when the stream does not tell, from a
cassette's request path) and says which it chose, or, when no preset matches, runs the
generic SSE-1 to SSE-6 checks and says so. A cassette's recorded response headers are
checked too (VAI-1, MCP-1, LG-1's Content-Location). docs/contracts.md lists what each
preset checks.`,
		Example: `  ssetape assert -X POST -d '{"message":"hi"}' --fail-fast http://127.0.0.1:8080/api/chat
  ssetape assert fixtures/agent.yaml
  ssetape assert recordings/                      # what proxy -o recordings/ wrote
  ssetape assert fixtures/openai-chat.yaml fixtures/anthropic.yaml   # auto picks each preset
  ssetape assert --contract agent fixtures/broken/*.sse
  curl -sN -X POST http://127.0.0.1:8080/api/chat | ssetape assert -
  ssetape assert --contract my-protocol.yaml --format junit recording.yaml > report.xml`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("assert needs at least one TARGET (a cassette, a .sse file, a directory, - or a URL)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.Targets = args
			switch o.Format {
			case "text", "json", "junit":
			default:
				return usageError("--format %q: want text, json or junit", o.Format)
			}
			o.Color = colorOn(o.Out)
			if runF != nil {
				return runF(o)
			}
			return assertRun(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Contract, "contract", "auto", "the contract: auto, a preset ("+strings.Join(assert.PresetNames(), ", ")+"), or a contract file (YAML)")
	f.StringVar(&o.Format, "format", "text", "report format: text, json (one object per stream) or junit")
	o.requestFlags.add(f, "for a URL: ")
	f.DurationVar(&o.MaxTime, "max-time", 5*time.Minute, "for a URL: give up after this long")
	f.BoolVar(&o.FailFast, "fail-fast", false, "for a URL: stop at the first broken error rule")
	return cmd
}

// contractNamed resolves --contract: auto (nil), a preset name, or a
// contract file.
func contractNamed(name string) (*assert.Contract, error) {
	if name == "auto" {
		return nil, nil
	}
	if c, ok := assert.Preset(name); ok {
		return c, nil
	}
	if _, err := os.Stat(name); err != nil {
		return nil, usageError("--contract %q: neither a preset (auto, %s) nor a contract file", name, strings.Join(assert.PresetNames(), ", "))
	}
	c, err := assert.LoadContract(name)
	if err != nil {
		return nil, inputError(err)
	}
	return c, nil
}

// outcome is one target's result: a report, or a note that an interaction
// was skipped.
type outcome struct {
	report  *assert.Report
	skipped string // the target, with why it was not checked
}

func assertRun(o *assertOptions) error {
	contract, err := contractNamed(o.Contract)
	if err != nil {
		return err
	}
	var outs []outcome
	for _, name := range o.Targets {
		got, err := o.checkTarget(name, contract)
		if err != nil {
			return err
		}
		outs = append(outs, got...)
	}
	if err := o.writeReports(outs); err != nil {
		return runtimeError(err)
	}
	checked, failed := 0, 0
	for _, out := range outs {
		if out.report == nil {
			continue
		}
		checked++
		if !out.report.Passed() {
			failed++
		}
	}
	switch {
	case checked == 0:
		return usageError("%s: no stream to check (%s skipped)", strings.Join(o.Targets, ", "), plural(len(outs), "interaction"))
	case failed > 0:
		return &exitError{code: exitCheckFailed, err: fmt.Errorf("%d of %s broke %s contract", failed, plural(checked, "stream"), theirs(failed))}
	}
	return nil
}

// theirs is the possessive for n streams: "1 of 3 streams broke its
// contract", "2 of 3 streams broke their contract".
func theirs(n int) string {
	if n == 1 {
		return "its"
	}
	return "their"
}
