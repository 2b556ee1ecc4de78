package replayer

// reorder swaps event N with event N+1.
func init() {
	registerSingle("reorder", func(ed *eventEdits, n int) { ed.swap[n] = true })
}
