package replayer

// truncate cuts the stream in the middle of event N's data line, then ends
// it cleanly.
func init() {
	registerSingle("truncate", func(ed *eventEdits, n int) { ed.truncate = n })
}
