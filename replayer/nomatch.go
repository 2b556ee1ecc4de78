package replayer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ssetape/ssetape/internal/clip"
)

// noMatch explains a 404: the closest interactions and what differed. It
// scans every interaction: it is the rare path.
func (c *catalog) noMatch(in *incoming, bodyAny bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ssetape: no recorded interaction matches %s %s", in.method, clip.String(in.path, 200))
	if len(in.query) > 0 {
		fmt.Fprintf(&b, "?%s", clip.String(in.query.String(), 200))
	}
	b.WriteString("\n")
	all := c.all()
	if len(all) == 0 {
		b.WriteString("the server holds no interactions\n")
		return b.String()
	}
	scores := make([]int, len(all))
	for i, rec := range all {
		scores[i] = rec.closeness(in)
	}
	order := make([]int, len(all))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return scores[order[i]] > scores[order[j]] })
	b.WriteString("closest:\n")
	for _, i := range order[:min(3, len(order))] {
		rec := all[i]
		fmt.Fprintf(&b, "  %s %s %s: %s\n", rec.where, rec.it.Request.Method, clip.String(rec.it.Request.Path, 200), rec.difference(in, bodyAny))
	}
	return b.String()
}
