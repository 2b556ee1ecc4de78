package replayer

// drop removes events: event=N (count=K from N) or type=T (the first
// count=K of that type, default all).
func init() {
	registerFault("drop", []string{"event", "type", "count"}, func(params map[string]string) (fault, error) {
		sel, err := parseSelector(params, true)
		return editFault(func(ed *eventEdits) error {
			for _, n := range ed.pick(sel) {
				ed.drop[n] = true
			}
			return nil
		}), err
	})
}
