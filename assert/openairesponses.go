package assert

import (
	"slices"
	"strings"
)

// The openai-responses preset: OpenAI Responses API streaming
// (docs/contracts.md, "openai-responses"), typed events with sequence numbers and a terminal
// event. OAI-R-11 (resuming with starting_after) needs two requests and is
// not judged from one stream.
var (
	oaiR1  = Rule{"OAI-R-1", Error, "every event has an event: name equal to data.type"}
	oaiR2  = Rule{"OAI-R-2", Error, "sequence_number on every event, from 0, strictly increasing"}
	oaiR2s = Rule{"OAI-R-2", Warning, "sequence_number goes up by 1 (observed behaviour)"}
	oaiR3  = Rule{"OAI-R-3", Error, "response.created first, then in_progress (or queued); exactly one terminal event, last"}
	oaiR4  = Rule{"OAI-R-4", Error, "output_item.added for index k before anything about k; indexes 0, 1, 2 in order; one output_item.done each before completed"}
	oaiR5  = Rule{"OAI-R-5", Error, "content_part.added before its text; content_part.done after output_text.done; content indexes from 0"}
	oaiR6  = Rule{"OAI-R-6", Error, "item_id on sub-events equals the id of the item at output_index"}
	oaiR7  = Rule{"OAI-R-7", Error, "the deltas add up to the .done value and to the finished part and item"}
	oaiR8  = Rule{"OAI-R-8", Error, "nothing about an item after its output_item.done"}
	oaiR9  = Rule{"OAI-R-9", Error, "the terminal response is consistent: completed with status and output, failed with an error, incomplete with details"}
	oaiR10 = Rule{"OAI-R-10", Error, "response.id is the same in created, in_progress and the terminal event"}
)

// openAIResponsesContract is the openai-responses preset.
var openAIResponsesContract = &Contract{
	Name:  "openai-responses",
	New:   func() Checker { return &respChecker{prevSeq: -1} },
	Rules: []Rule{oaiR1, oaiR2, oaiR2s, oaiR3, oaiR4, oaiR5, oaiR6, oaiR7, oaiR8, oaiR9, oaiR10},
}

var responsesTerminal = []string{"response.completed", "response.failed", "response.incomplete", "error"}

func respType(e jsonEvent) string {
	if t, ok := str(e.obj["type"]); ok {
		return t
	}
	return e.Type
}

// respChecker checks a Responses stream as it comes.
type respChecker struct {
	base
	prevSeq   float64
	firstType string
	terms     int
	firstTerm int
	afterTerm bool
	items     []*respItem
	// OAI-R-9, -10
	id     string
	idFrom int
	added  int
}

type respPart struct {
	added    bool
	text     strings.Builder
	doneText *string
}

type respItem struct {
	id    string
	done  bool
	parts map[int]*respPart
	sums  map[int]*respPart // reasoning summary parts by summary_index
	args  strings.Builder
}

func (c *respChecker) Event(ev Event) {
	e := c.parse(ev)
	t := respType(e)
	if et, _ := str(e.obj["type"]); e.Type == "" || e.Type != et {
		c.add(oaiR1, e.Event, "event name %q, data.type %q; they must be equal", excerpt(e.Type, 40), excerpt(et, 40))
	}
	c.r2Sequence(e)
	c.r3Order(e, t)
	c.r4to8Items(e, t)
	c.r9and10Response(e, t)
}

func (c *respChecker) End() []Violation {
	switch {
	case c.n == 0:
		c.add(oaiR3, Event{}, "an empty stream; expected response.created first")
	case c.terms == 0:
		c.add(oaiR3, c.last, "the stream ended without a terminal event (response.completed, .failed, .incomplete or error)")
	}
	return c.sorted()
}

func (c *respChecker) r2Sequence(e jsonEvent) {
	n, ok := num(e.obj["sequence_number"])
	switch {
	case !ok:
		c.add(oaiR2, e.Event, "no sequence_number")
		return
	case c.prevSeq < 0 && n != 0:
		c.add(oaiR2, e.Event, "the first sequence_number is %v; expected 0", n)
	case c.prevSeq >= 0 && n <= c.prevSeq:
		c.add(oaiR2, e.Event, "sequence_number %v after %v; it must increase", n, c.prevSeq)
	case c.prevSeq >= 0 && n != c.prevSeq+1:
		c.add(oaiR2s, e.Event, "sequence_number %v after %v (observed: +1)", n, c.prevSeq)
	}
	c.prevSeq = n
}

func (c *respChecker) r3Order(e jsonEvent, t string) {
	switch c.n {
	case 1:
		if t != "response.created" {
			c.add(oaiR3, e.Event, "the first event is %s; expected response.created (the SDK's accumulator throws)", excerpt(t, 40))
		}
	case 2:
		if c.firstType == "response.created" && t != "response.in_progress" && t != "response.queued" && !slices.Contains(responsesTerminal, t) {
			c.add(oaiR3, e.Event, "%s after response.created; expected response.in_progress or response.queued", excerpt(t, 40))
		}
	}
	if c.n == 1 {
		c.firstType = t
	}
	if c.firstTerm > 0 && !c.afterTerm && c.terms == 1 && !slices.Contains(responsesTerminal, t) {
		c.afterTerm = true
		c.add(oaiR3, e.Event, "an event after the terminal event (event %d)", c.firstTerm)
	}
	if slices.Contains(responsesTerminal, t) {
		c.terms++
		switch c.terms {
		case 1:
			c.firstTerm = e.N
		case 2:
			c.add(oaiR3, e.Event, "a second terminal event (the first was event %d)", c.firstTerm)
		}
	}
}

// r4to8Items follows the output items and their parts.
func (c *respChecker) r4to8Items(e jsonEvent, t string) {
	oi, hasOI := num(e.obj["output_index"])
	k := int(oi)
	switch {
	case t == "response.completed":
		for i, it := range c.items {
			if !it.done {
				c.add(oaiR4, e.Event, "item %d never got its output_item.done before response.completed", i)
			}
		}
		return
	case t == "response.output_item.added":
		if !hasOI || k != len(c.items) {
			c.add(oaiR4, e.Event, "output_item.added with output_index %v; expected %d", e.obj["output_index"], len(c.items))
		}
		id, _ := str(obj(e.obj["item"])["id"])
		c.items = append(c.items, &respItem{id: id, parts: map[int]*respPart{}, sums: map[int]*respPart{}})
		return
	case !hasOI || !strings.HasPrefix(t, "response."):
		return
	}
	if k < 0 || k >= len(c.items) {
		c.add(oaiR4, e.Event, "%s for output_index %d before its output_item.added (the SDK throws missing output at index %d)", t, k, k)
		return
	}
	it := c.items[k]
	if it.done && t != "response.output_item.done" {
		c.add(oaiR8, e.Event, "%s for item %d after its output_item.done", t, k)
	}
	if id, ok := str(e.obj["item_id"]); ok && id != it.id {
		c.add(oaiR6, e.Event, "item_id %q, but the item at output_index %d is %q", excerpt(id, 40), k, excerpt(it.id, 40))
	}
	switch t {
	case "response.output_item.done":
		c.r4r7ItemDone(e, k, it)
	case "response.content_part.added", "response.output_text.delta", "response.refusal.delta",
		"response.output_text.done", "response.refusal.done", "response.content_part.done":
		c.r5r7Parts(e, t, k, it)
	case "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
		"response.reasoning_summary_text.done", "response.reasoning_summary_part.done":
		c.r5r7Summaries(e, t, k, it)
	case "response.function_call_arguments.delta":
		d, _ := str(e.obj["delta"])
		it.args.WriteString(d)
	case "response.function_call_arguments.done":
		if a, _ := str(e.obj["arguments"]); a != it.args.String() {
			c.add(oaiR7, e.Event, "arguments %q, the deltas add up to %q", excerpt(a, 30), excerpt(it.args.String(), 30))
		}
	}
}

// r4r7ItemDone: one output_item.done per item, holding what the deltas
// made (OAI-R-7).
func (c *respChecker) r4r7ItemDone(e jsonEvent, k int, it *respItem) {
	if it.done {
		c.add(oaiR4, e.Event, "output_item.done again for item %d", k)
	}
	it.done = true
	done := obj(e.obj["item"])
	for j, cp := range arr(done["content"]) {
		if p := it.parts[j]; p != nil {
			if txt, ok := str(obj(cp)["text"]); ok && txt != p.text.String() {
				c.add(oaiR7, e.Event, "the item's content %d says %q, the deltas %q", j, excerpt(txt, 30), excerpt(p.text.String(), 30))
			}
		}
	}
	if a, ok := str(done["arguments"]); ok && it.args.Len() > 0 && a != it.args.String() {
		c.add(oaiR7, e.Event, "the item's arguments differ from the deltas")
	}
}

// r5r7Parts: content parts added before their text, done after it, and
// adding up (OAI-R-5, -7).
func (c *respChecker) r5r7Parts(e jsonEvent, t string, k int, it *respItem) {
	ci, hasCI := num(e.obj["content_index"])
	pi := int(ci)
	p := it.parts[pi]
	switch t {
	case "response.content_part.added":
		if !hasCI || pi != len(it.parts) {
			c.add(oaiR5, e.Event, "content_part.added with content_index %v; expected %d", e.obj["content_index"], len(it.parts))
		}
		it.parts[pi] = &respPart{added: true}
	case "response.output_text.delta", "response.refusal.delta":
		if p == nil {
			c.add(oaiR5, e.Event, "%s before content_part.added for (%d, %d)", t, k, pi)
			return
		}
		d, _ := str(e.obj["delta"])
		p.text.WriteString(d)
	case "response.output_text.done", "response.refusal.done":
		if p == nil {
			c.add(oaiR5, e.Event, "%s before content_part.added for (%d, %d)", t, k, pi)
			return
		}
		key := "text"
		if t == "response.refusal.done" {
			key = "refusal"
		}
		txt, _ := str(e.obj[key])
		if txt != p.text.String() {
			c.add(oaiR7, e.Event, "%s says %q, the deltas add up to %q", t, excerpt(txt, 30), excerpt(p.text.String(), 30))
		}
		p.doneText = &txt
	case "response.content_part.done":
		if p == nil || p.doneText == nil {
			c.add(oaiR5, e.Event, "content_part.done for (%d, %d) before its output_text.done", k, pi)
			return
		}
		if txt, ok := str(obj(e.obj["part"])["text"]); ok && txt != *p.doneText {
			c.add(oaiR7, e.Event, "content_part.done says %q, output_text.done said %q", excerpt(txt, 30), excerpt(*p.doneText, 30))
		}
	}
}

// r5r7Summaries: reasoning summary parts, as content parts.
func (c *respChecker) r5r7Summaries(e jsonEvent, t string, k int, it *respItem) {
	si, _ := num(e.obj["summary_index"])
	if t == "response.reasoning_summary_part.added" {
		if int(si) != len(it.sums) {
			c.add(oaiR5, e.Event, "reasoning_summary_part.added with summary_index %v; expected %d", si, len(it.sums))
		}
		it.sums[int(si)] = &respPart{added: true}
		return
	}
	sp := it.sums[int(si)]
	if sp == nil {
		c.add(oaiR5, e.Event, "%s before reasoning_summary_part.added for (%d, %v)", t, k, si)
		return
	}
	switch t {
	case "response.reasoning_summary_text.delta":
		d, _ := str(e.obj["delta"])
		sp.text.WriteString(d)
	case "response.reasoning_summary_text.done":
		txt, _ := str(e.obj["text"])
		if txt != sp.text.String() {
			c.add(oaiR7, e.Event, "the summary says %q, the deltas add up to %q", excerpt(txt, 30), excerpt(sp.text.String(), 30))
		}
		sp.doneText = &txt
	default:
		if sp.doneText == nil {
			c.add(oaiR5, e.Event, "reasoning_summary_part.done before its reasoning_summary_text.done")
		}
	}
}

// r9and10Response: the response object the events carry.
func (c *respChecker) r9and10Response(e jsonEvent, t string) {
	if t == "response.output_item.added" {
		c.added++
	}
	r := obj(e.obj["response"])
	if r == nil || !(t == "response.created" || t == "response.in_progress" || slices.Contains(responsesTerminal, t)) {
		return
	}
	rid, _ := str(r["id"])
	if c.idFrom == 0 {
		c.id, c.idFrom = rid, e.N
	} else if rid != c.id {
		c.add(oaiR10, e.Event, "response.id %q; event %d had %q", excerpt(rid, 40), c.idFrom, excerpt(c.id, 40))
	}
	switch t {
	case "response.completed":
		if s, _ := str(r["status"]); s != "completed" {
			c.add(oaiR9, e.Event, "response.completed with status %q", s)
		}
		if n := len(arr(r["output"])); n != c.added {
			c.add(oaiR9, e.Event, "response.completed lists %d outputs, %d items were added", n, c.added)
		}
	case "response.failed":
		if r["error"] == nil {
			c.add(oaiR9, e.Event, "response.failed without response.error")
		}
	case "response.incomplete":
		if r["incomplete_details"] == nil {
			c.add(oaiR9, e.Event, "response.incomplete without incomplete_details")
		}
	}
}
