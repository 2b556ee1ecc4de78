package main

import (
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
)

// colorOn reports whether to color what goes to w: only a terminal, and
// never with NO_COLOR set.
func colorOn(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "ssetape",
		Short: "Record, replay and check Server-Sent Events streams",
		Long: `ssetape records live Server-Sent Events sessions of AI agents and LLM APIs to YAML
cassettes, replays them from a mock server with the recorded bytes and pacing, and
checks event-order contracts such as "done is always last".

Exit status: 0 all good (warnings included), 1 a check failed, 2 unusable input or
usage, 3 a runtime failure, 130 interrupted.`,
		Example: `  ssetape inspect                      # the built-in sample agent cassette
  ssetape inspect fixtures/openai-chat.yaml
  curl -sN http://127.0.0.1:8000/api/chat | ssetape inspect -`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(e.In)
	root.SetOut(e.Out)
	root.SetErr(e.Err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(newRecordCmd(e, nil), newProxyCmd(e, nil), newReplayCmd(e, nil), newInspectCmd(e, nil), newAssertCmd(e, nil), newSynthCmd(e, nil), newVersionCmd(e))
	return root
}

// run executes the CLI with the streams s and returns its exit status.
func run(args []string, s ioStreams) int { return runIn(args, &env{ioStreams: s}) }

// runIn executes the CLI in an environment and returns its exit status.
func runIn(args []string, e *env) int {
	root := newRootCmd(e)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		fmt.Fprintln(e.Err, "ssetape:", err)
	}
	return exitCode(err)
}
