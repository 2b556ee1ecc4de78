// Command ssetape records Server-Sent Events sessions to YAML cassettes,
// replays them with controlled pacing and faults, and checks event-order
// contracts. Run `ssetape --help` for the commands.
package main

import (
	"os"
)

func main() {
	os.Exit(runIn(os.Args[1:], processEnv()))
}
