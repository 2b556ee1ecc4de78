package replayer

// merge removes the blank line after event N, so events N and N+1 arrive
// as one.
func init() {
	registerSingle("merge", func(ed *eventEdits, n int) { ed.merge[n] = true })
}
