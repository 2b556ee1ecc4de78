package assert

import (
	"fmt"
	"strings"
)

// The gemini preset: Google Gemini streamGenerateContent?alt=sse
// (docs/contracts.md, "gemini"): one data: line of one JSON object per frame, no
// [DONE]; the end of the body is the end of the stream.
var (
	gem1  = Rule{"GEM-1", Error, "each frame is exactly one data: line holding one complete JSON object, no other fields"}
	gem2  = Rule{"GEM-2", Error, "no [DONE]: the end of the body is the end of the stream"}
	gem3  = Rule{"GEM-3", Error, "per candidate, at most one chunk carries finishReason and nothing follows it; one is there unless an error or a blockReason ended the stream"}
	gem4  = Rule{"GEM-4", Error, "responseId and modelVersion are constant"}
	gem5  = Rule{"GEM-5", Error, "promptTokenCount constant; candidatesTokenCount and totalTokenCount never decrease; the final total adds up"}
	gem6  = Rule{"GEM-6", Error, "content.role is model; each part has exactly one data field"}
	gem6s = Rule{"GEM-6", Warning, "thought parts come before answer text (observed practice)"}
	gem7  = Rule{"GEM-7", Error, "functionCall.args is a complete object (partialArgs only on Vertex)"}
	gem8  = Rule{"GEM-8", Error, "an error object is terminal"}
)

// geminiContract is the gemini preset.
var geminiContract = &Contract{
	Name:  "gemini",
	New:   func() Checker { return &geminiChecker{} },
	Rules: []Rule{gem1, gem2, gem3, gem4, gem5, gem6, gem6s, gem7, gem8},
}

// geminiChecker checks a Gemini stream as it comes.
type geminiChecker struct {
	base
	errorAt    int
	afterError bool
	// GEM-3
	finished map[int]int
	blocked  bool
	// GEM-4
	firstIDs map[string]string
	// GEM-5
	prompt   *float64
	counts   map[string]float64
	final    jsonEvent // the last chunk with usage
	hasFinal bool
	// GEM-6
	sawText bool
}

func (c *geminiChecker) Event(ev Event) {
	if c.finished == nil {
		c.finished, c.firstIDs, c.counts = map[int]int{}, map[string]string{}, map[string]float64{}
	}
	e := c.parse(ev)
	c.gem1Frames(e)
	if e.Data == "[DONE]" {
		c.add(gem2, e.Event, "data: [DONE]; Gemini streams end with the body")
	}
	c.gem3Finish(e)
	c.gem4Constant(e)
	c.gem5Usage(e)
	c.gem6and7Parts(e)
	c.gem8Error(e)
}

func (c *geminiChecker) End() []Violation {
	if len(c.finished) == 0 && !c.blocked && c.errorAt == 0 && c.n > 0 {
		c.add(gem3, c.last, "no chunk carries a finishReason: the stream was cut")
	}
	c.gem5Total()
	return c.sorted()
}

func (c *geminiChecker) gem1Frames(e jsonEvent) {
	switch {
	case e.Type != "":
		c.add(gem1, e.Event, "event: %s; Gemini frames have only a data: line", e.Type)
	case e.Data == "[DONE]":
	case strings.Contains(e.Data, "\n"):
		c.add(gem1, e.Event, "the JSON spans several data: lines; @google/genai reads one line and throws")
	case e.obj == nil:
		c.add(gem1, e.Event, "the data is not one JSON object")
	}
}

func (c *geminiChecker) gem3Finish(e jsonEvent) {
	if br, _ := str(obj(e.obj["promptFeedback"])["blockReason"]); br != "" {
		c.blocked = true
	}
	for _, cand := range arr(e.obj["candidates"]) {
		cd := obj(cand)
		i, _ := num(cd["index"])
		k := int(i)
		if at := c.finished[k]; at > 0 {
			c.add(gem3, e.Event, "candidate %d continues after its finishReason (event %d)", k, at)
		}
		if fr, _ := str(cd["finishReason"]); fr != "" && c.finished[k] == 0 {
			c.finished[k] = e.N
		}
	}
}

func (c *geminiChecker) gem4Constant(e jsonEvent) {
	for _, k := range []string{"responseId", "modelVersion"} {
		v, ok := str(e.obj[k])
		if !ok {
			continue
		}
		if f, seen := c.firstIDs[k]; seen && f != v {
			c.add(gem4, e.Event, "%s is %q; it was %q", k, v, f)
		} else if !seen {
			c.firstIDs[k] = v
		}
	}
}

func (c *geminiChecker) gem5Usage(e jsonEvent) {
	u := obj(e.obj["usageMetadata"])
	if u == nil {
		return
	}
	c.final, c.hasFinal = e, true
	if p, ok := num(u["promptTokenCount"]); ok {
		if c.prompt != nil && *c.prompt != p {
			c.add(gem5, e.Event, "promptTokenCount %v; it was %v", p, *c.prompt)
		}
		c.prompt = &p
	}
	for _, k := range []string{"candidatesTokenCount", "totalTokenCount"} {
		if v, ok := num(u[k]); ok {
			if v < c.counts[k] {
				c.add(gem5, e.Event, "%s went down from %v to %v", k, c.counts[k], v)
			}
			c.counts[k] = v
		}
	}
}

// gem5Total judges the final total, which only the end shows.
func (c *geminiChecker) gem5Total() {
	u := obj(c.final.obj["usageMetadata"])
	if !c.hasFinal || u == nil {
		return
	}
	sum := 0.0
	for _, k := range []string{"promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount", "toolUsePromptTokenCount"} {
		v, _ := num(u[k])
		sum += v
	}
	if tot, ok := num(u["totalTokenCount"]); ok && tot != sum {
		c.add(gem5, c.final.Event, "the final totalTokenCount %v is not prompt + candidates + thoughts (+ tool use) = %v", tot, sum)
	}
}

var gemPartFields = []string{"text", "inlineData", "functionCall", "functionResponse", "fileData", "executableCode", "codeExecutionResult"}

func (c *geminiChecker) gem6and7Parts(e jsonEvent) {
	for _, cand := range arr(e.obj["candidates"]) {
		content := obj(obj(cand)["content"])
		if content == nil {
			continue
		}
		if r, _ := str(content["role"]); r != "model" {
			c.add(gem6, e.Event, "content.role is %q; expected model", r)
		}
		for _, p := range arr(content["parts"]) {
			part := obj(p)
			n := 0
			for _, f := range gemPartFields {
				if _, ok := part[f]; ok {
					n++
				}
			}
			if n != 1 {
				c.add(gem6, e.Event, "a part with %d data fields; expected exactly one", n)
			}
			thought, _ := part["thought"].(bool)
			if _, isText := part["text"]; isText && !thought {
				c.sawText = true
			} else if thought && c.sawText {
				c.add(gem6s, e.Event, "a thought part after answer text")
			}
			if fc := obj(part["functionCall"]); fc != nil {
				if _, partial := fc["partialArgs"]; partial || obj(fc["args"]) == nil && fc["args"] != nil {
					c.add(gem7, e.Event, "functionCall %v has partial arguments; the Gemini API sends them whole", fmt.Sprint(fc["name"]))
				}
			}
		}
	}
}

func (c *geminiChecker) gem8Error(e jsonEvent) {
	if c.errorAt > 0 && !c.afterError {
		c.afterError = true
		c.add(gem8, e.Event, "an event after the error object (event %d); the error is terminal", c.errorAt)
	}
	if e.obj["error"] != nil && c.errorAt == 0 {
		c.errorAt = e.N
	}
}
