package replayer

// duplicate sends events twice, the copy right after the original.
func init() {
	registerFault("duplicate", []string{"event", "type", "count"}, func(params map[string]string) (fault, error) {
		sel, err := parseSelector(params, true)
		return editFault(func(ed *eventEdits) error {
			for _, n := range ed.pick(sel) {
				ed.dup[n]++
			}
			return nil
		}), err
	})
}
