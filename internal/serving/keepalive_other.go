//go:build !linux

package serving

import "net"

// listenConfig returns the ListenConfig Listen uses: net's defaults, which
// set keep-alive on each accepted connection (whether a listener's options
// pass to the connections it accepts differs between systems).
func listenConfig() *net.ListenConfig { return &net.ListenConfig{} }
