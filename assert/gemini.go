package assert

import (
	"fmt"
	"strings"
)

// The gemini preset: Google Gemini streamGenerateContent?alt=sse
// (FORMATS.md §(d)): one data: line of one JSON object per frame, no
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

// Gemini is the gemini preset.
var geminiContract = &Contract{
	Name:  "gemini",
	New:   func() Checker { return &collector{check: checkGemini} },
	Rules: []Rule{gem1, gem2, gem3, gem4, gem5, gem6, gem6s, gem7, gem8},
}

func checkGemini(c *collector) {
	for _, rule := range []func(*collector){gem1Frames, gem2NoDone, gem3Finish, gem4Constant, gem5Usage, gem6and7Parts, gem8Error} {
		rule(c)
	}
}

func gem1Frames(c *collector) {
	for _, e := range c.events {
		switch {
		case e.Type != "":
			c.add(gem1, e.Event, "event: %s; geminiContract frames have only a data: line", e.Type)
		case e.Data == "[DONE]":
		case strings.Contains(e.Data, "\n"):
			c.add(gem1, e.Event, "the JSON spans several data: lines; @google/genai reads one line and throws")
		case e.obj == nil:
			c.add(gem1, e.Event, "the data is not one JSON object")
		}
	}
}

func gem2NoDone(c *collector) {
	for _, e := range c.events {
		if e.Data == "[DONE]" {
			c.add(gem2, e.Event, "data: [DONE]; geminiContract streams end with the body")
		}
	}
}

func gemError(c *collector) int {
	for _, e := range c.events {
		if e.obj["error"] != nil {
			return e.N
		}
	}
	return 0
}

func gem3Finish(c *collector) {
	finished := map[int]int{}
	blocked := false
	for _, e := range c.events {
		if br, _ := str(obj(e.obj["promptFeedback"])["blockReason"]); br != "" {
			blocked = true
		}
		for _, cand := range arr(e.obj["candidates"]) {
			cd := obj(cand)
			i, _ := num(cd["index"])
			k := int(i)
			if at := finished[k]; at > 0 {
				c.add(gem3, e.Event, "candidate %d continues after its finishReason (event %d)", k, at)
			}
			if fr, _ := str(cd["finishReason"]); fr != "" && finished[k] == 0 {
				finished[k] = e.N
			}
		}
	}
	if len(finished) == 0 && !blocked && gemError(c) == 0 && len(c.events) > 0 {
		c.add(gem3, c.last(), "no chunk carries a finishReason: the stream was cut")
	}
}

func gem4Constant(c *collector) {
	first := map[string]string{}
	for _, e := range c.events {
		for _, k := range []string{"responseId", "modelVersion"} {
			v, ok := str(e.obj[k])
			if !ok {
				continue
			}
			if f, seen := first[k]; seen && f != v {
				c.add(gem4, e.Event, "%s is %q; it was %q", k, v, f)
			} else if !seen {
				first[k] = v
			}
		}
	}
}

func gem5Usage(c *collector) {
	var prompt *float64
	last := map[string]float64{}
	var final jsonEvent // the last chunk with usage
	for _, e := range c.events {
		u := obj(e.obj["usageMetadata"])
		if u == nil {
			continue
		}
		final = e
		if p, ok := num(u["promptTokenCount"]); ok {
			if prompt != nil && *prompt != p {
				c.add(gem5, e.Event, "promptTokenCount %v; it was %v", p, *prompt)
			}
			prompt = &p
		}
		for _, k := range []string{"candidatesTokenCount", "totalTokenCount"} {
			if v, ok := num(u[k]); ok {
				if v < last[k] {
					c.add(gem5, e.Event, "%s went down from %v to %v", k, last[k], v)
				}
				last[k] = v
			}
		}
	}
	if u := obj(final.obj["usageMetadata"]); u != nil {
		sum := 0.0
		for _, k := range []string{"promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount", "toolUsePromptTokenCount"} {
			v, _ := num(u[k])
			sum += v
		}
		if tot, ok := num(u["totalTokenCount"]); ok && tot != sum {
			c.add(gem5, final.Event, "the final totalTokenCount %v is not prompt + candidates + thoughts (+ tool use) = %v", tot, sum)
		}
	}
}

var gemPartFields = []string{"text", "inlineData", "functionCall", "functionResponse", "fileData", "executableCode", "codeExecutionResult"}

func gem6and7Parts(c *collector) {
	sawText := false
	for _, e := range c.events {
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
					sawText = true
				} else if thought && sawText {
					c.add(gem6s, e.Event, "a thought part after answer text")
				}
				if fc := obj(part["functionCall"]); fc != nil {
					if _, partial := fc["partialArgs"]; partial || obj(fc["args"]) == nil && fc["args"] != nil {
						c.add(gem7, e.Event, "functionCall %v has partial arguments; the geminiContract API sends them whole", fmt.Sprint(fc["name"]))
					}
				}
			}
		}
	}
}

func gem8Error(c *collector) {
	if at := gemError(c); at > 0 && at != len(c.events) {
		c.add(gem8, c.events[at].Event, "an event after the error object (event %d); the error is terminal", at)
	}
}
