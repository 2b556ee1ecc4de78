package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version and revision are set at build time with -ldflags "-X
// main.version=v1.2.3 -X main.revision=abc1234" (the npm package's binaries
// are); otherwise they come from the build information, which go install and
// go build stamp from the checkout (the module version, the VCS revision).
var version, revision = "", ""

func versionString() string {
	v, rev := version, revision
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		if rev == "" {
			rev = vcsRevision(bi)
		}
	}
	if v == "" {
		v = "dev"
	}
	if rev != "" && !strings.Contains(v, strings.TrimSuffix(rev, "-dirty")) {
		return fmt.Sprintf("ssetape %s (revision %s, %s, %s/%s)", v, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	return fmt.Sprintf("ssetape %s (%s, %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// vcsRevision is the short VCS revision a build was made from, with
// "-dirty" for uncommitted changes; "" when unknown (go run, go test).
func vcsRevision(bi *debug.BuildInfo) string {
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && dirty {
		rev += "-dirty"
	}
	return rev
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(e.Out, versionString())
			return err
		},
	}
}

// noArgs rejects positional arguments with a usage error.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError("%s takes no arguments, got %q", c.CommandPath(), args)
	}
	return nil
}
