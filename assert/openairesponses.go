package assert

import (
	"slices"
	"strings"
)

// The openai-responses preset: OpenAI Responses API streaming
// (FORMATS.md §(b)), typed events with sequence numbers and a terminal
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

// OpenAIResponses is the openai-responses preset.
var openAIResponsesContract = &Contract{
	Name:  "openai-responses",
	New:   func() Checker { return &collector{check: checkOpenAIResponses} },
	Rules: []Rule{oaiR1, oaiR2, oaiR2s, oaiR3, oaiR4, oaiR5, oaiR6, oaiR7, oaiR8, oaiR9, oaiR10},
}

var responsesTerminal = []string{"response.completed", "response.failed", "response.incomplete", "error"}

func respType(e jsonEvent) string {
	if t, ok := str(e.obj["type"]); ok {
		return t
	}
	return e.Type
}

func checkOpenAIResponses(c *collector) {
	for _, rule := range []func(*collector){oaiR1Names, oaiR2Sequence, oaiR3Order, oaiR4to8Items, oaiR9and10Response} {
		rule(c)
	}
}

func oaiR1Names(c *collector) {
	for _, e := range c.events {
		if t, _ := str(e.obj["type"]); e.Type == "" || e.Type != t {
			c.add(oaiR1, e.Event, "event name %q, data.type %q; they must be equal", e.Type, t)
		}
	}
}

func oaiR2Sequence(c *collector) {
	prev := -1.0
	for _, e := range c.events {
		n, ok := num(e.obj["sequence_number"])
		switch {
		case !ok:
			c.add(oaiR2, e.Event, "no sequence_number")
			continue
		case prev < 0 && n != 0:
			c.add(oaiR2, e.Event, "the first sequence_number is %v; expected 0", n)
		case prev >= 0 && n <= prev:
			c.add(oaiR2, e.Event, "sequence_number %v after %v; it must increase", n, prev)
		case prev >= 0 && n != prev+1:
			c.add(oaiR2s, e.Event, "sequence_number %v after %v (observed: +1)", n, prev)
		}
		prev = n
	}
}

func oaiR3Order(c *collector) {
	if len(c.events) == 0 {
		c.add(oaiR3, Event{}, "an empty stream; expected response.created first")
		return
	}
	if t := respType(c.events[0]); t != "response.created" {
		c.add(oaiR3, c.events[0].Event, "the first event is %s; expected response.created (the SDK's accumulator throws)", t)
	} else if len(c.events) > 1 {
		if t := respType(c.events[1]); t != "response.in_progress" && t != "response.queued" && !slices.Contains(responsesTerminal, t) {
			c.add(oaiR3, c.events[1].Event, "%s after response.created; expected response.in_progress or response.queued", t)
		}
	}
	var terms []int
	for _, e := range c.events {
		if slices.Contains(responsesTerminal, respType(e)) {
			terms = append(terms, e.N)
		}
	}
	switch {
	case len(terms) == 0:
		c.add(oaiR3, c.last(), "the stream ended without a terminal event (response.completed, .failed, .incomplete or error)")
	case len(terms) > 1:
		c.add(oaiR3, c.events[terms[1]-1].Event, "a second terminal event (the first was event %d)", terms[0])
	case terms[0] != len(c.events):
		c.add(oaiR3, c.events[terms[0]].Event, "an event after the terminal event (event %d)", terms[0])
	}
}

func oaiR4to8Items(c *collector) {
	type part struct {
		added, done bool
		text        strings.Builder
		doneText    *string
	}
	type item struct {
		id     string
		done   bool
		parts  map[int]*part
		sums   map[int]*part // reasoning summary parts by summary_index
		args   strings.Builder
		argsDn *string
	}
	var items []*item
	completedAt := 0
	for _, e := range c.events {
		t := respType(e)
		if t == "response.completed" {
			completedAt = e.N
		}
		oi, hasOI := num(e.obj["output_index"])
		k := int(oi)
		switch {
		case t == "response.output_item.added":
			if !hasOI || k != len(items) {
				c.add(oaiR4, e.Event, "output_item.added with output_index %v; expected %d", e.obj["output_index"], len(items))
			}
			id, _ := str(obj(e.obj["item"])["id"])
			items = append(items, &item{id: id, parts: map[int]*part{}, sums: map[int]*part{}})
			continue
		case !hasOI || !strings.HasPrefix(t, "response."):
			continue
		}
		if k < 0 || k >= len(items) {
			c.add(oaiR4, e.Event, "%s for output_index %d before its output_item.added (the SDK throws missing output at index %d)", t, k, k)
			continue
		}
		it := items[k]
		if it.done && t != "response.output_item.done" {
			c.add(oaiR8, e.Event, "%s for item %d after its output_item.done", t, k)
		}
		if id, ok := str(e.obj["item_id"]); ok && id != it.id {
			c.add(oaiR6, e.Event, "item_id %q, but the item at output_index %d is %q", id, k, it.id)
		}
		ci, hasCI := num(e.obj["content_index"])
		pi := int(ci)
		p := it.parts[pi]
		switch t {
		case "response.output_item.done":
			if it.done {
				c.add(oaiR4, e.Event, "output_item.done again for item %d", k)
			}
			it.done = true
			// OAI-R-7: the finished item holds the text and arguments.
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
		case "response.content_part.added":
			if !hasCI || pi != len(it.parts) {
				c.add(oaiR5, e.Event, "content_part.added with content_index %v; expected %d", e.obj["content_index"], len(it.parts))
			}
			it.parts[pi] = &part{added: true}
		case "response.output_text.delta", "response.refusal.delta":
			if p == nil {
				c.add(oaiR5, e.Event, "%s before content_part.added for (%d, %d)", t, k, pi)
				continue
			}
			d, _ := str(e.obj["delta"])
			p.text.WriteString(d)
		case "response.output_text.done", "response.refusal.done":
			if p == nil {
				c.add(oaiR5, e.Event, "%s before content_part.added for (%d, %d)", t, k, pi)
				continue
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
				continue
			}
			if txt, ok := str(obj(e.obj["part"])["text"]); ok && txt != *p.doneText {
				c.add(oaiR7, e.Event, "content_part.done says %q, output_text.done said %q", excerpt(txt, 30), excerpt(*p.doneText, 30))
			}
			p.done = true
		case "response.reasoning_summary_part.added":
			si, _ := num(e.obj["summary_index"])
			if int(si) != len(it.sums) {
				c.add(oaiR5, e.Event, "reasoning_summary_part.added with summary_index %v; expected %d", si, len(it.sums))
			}
			it.sums[int(si)] = &part{added: true}
		case "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done", "response.reasoning_summary_part.done":
			si, _ := num(e.obj["summary_index"])
			sp := it.sums[int(si)]
			if sp == nil {
				c.add(oaiR5, e.Event, "%s before reasoning_summary_part.added for (%d, %v)", t, k, si)
				continue
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
		case "response.function_call_arguments.delta":
			d, _ := str(e.obj["delta"])
			it.args.WriteString(d)
		case "response.function_call_arguments.done":
			a, _ := str(e.obj["arguments"])
			if a != it.args.String() {
				c.add(oaiR7, e.Event, "arguments %q, the deltas add up to %q", excerpt(a, 30), excerpt(it.args.String(), 30))
			}
			it.argsDn = &a
		}
	}
	if completedAt > 0 {
		for k, it := range items {
			if !it.done {
				c.add(oaiR4, c.events[completedAt-1].Event, "item %d never got its output_item.done before response.completed", k)
			}
		}
	}
}

func oaiR9and10Response(c *collector) {
	var id string
	var idFrom int
	added := 0
	for _, e := range c.events {
		t := respType(e)
		if t == "response.output_item.added" {
			added++
		}
		r := obj(e.obj["response"])
		if r == nil || !(t == "response.created" || t == "response.in_progress" || slices.Contains(responsesTerminal, t)) {
			continue
		}
		rid, _ := str(r["id"])
		if idFrom == 0 {
			id, idFrom = rid, e.N
		} else if rid != id {
			c.add(oaiR10, e.Event, "response.id %q; event %d had %q", rid, idFrom, id)
		}
		switch t {
		case "response.completed":
			if s, _ := str(r["status"]); s != "completed" {
				c.add(oaiR9, e.Event, "response.completed with status %q", s)
			}
			if n := len(arr(r["output"])); n != added {
				c.add(oaiR9, e.Event, "response.completed lists %d outputs, %d items were added", n, added)
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
}
