// Command ssetape records Server-Sent Events sessions to YAML cassettes,
// replays them with controlled pacing and faults, and checks event-order
// contracts. Run `ssetape --help` for the commands.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], ioStreams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
