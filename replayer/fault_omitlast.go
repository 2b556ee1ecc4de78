package replayer

// omit-last removes the final event (done, [DONE], message_stop).
func init() {
	registerFault("omit-last", nil, func(map[string]string) (fault, error) {
		return editFault(func(ed *eventEdits) error {
			if n := len(ed.events); n > 0 {
				ed.drop[n] = true
			}
			return nil
		}), nil
	})
}
