// Package streamgen makes realistic SSE byte streams for benchmarks and load
// tests: OpenAI-style chat completion chunks and the seed's agent events, with
// a chosen line ending. It is deterministic: the same arguments give the same
// bytes.
package streamgen

import (
	"fmt"
	"strings"
)

var words = strings.Fields(`The replay server sends each chunk at its recorded offset so a frontend
sees the same pacing as in production 日本語の テキスト も 含まれます and tool calls arrive with their
results before the final answer is written out in full`)

// LLM returns at least size bytes of complete SSE events with line ending
// eol ("\n", "\r\n" or "\r"): alternating runs of OpenAI chat completion
// chunks (data lines only, ending in [DONE]) and agent-protocol events
// (event + data lines, with a keep-alive comment now and then).
func LLM(size int, eol string) []byte {
	var b strings.Builder
	b.Grow(size + 4096)
	for n := 0; b.Len() < size; n++ {
		for i := range 40 {
			w := words[(n*7+i)%len(words)]
			fmt.Fprintf(&b, `data: {"id":"chatcmpl-%06d","object":"chat.completion.chunk","created":1732300000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"%s "},"logprobs":null,"finish_reason":null}]}%s%s`, n, w, eol, eol)
		}
		fmt.Fprintf(&b, "data: [DONE]%s%s", eol, eol)
		fmt.Fprintf(&b, "event: thinking%sdata: {\"type\":\"thinking\",\"content\":\"処理中...\"}%s%s", eol, eol, eol)
		for i := range 30 {
			w := words[(n*3+i)%len(words)]
			fmt.Fprintf(&b, "event: text_delta%sdata: {\"type\":\"text_delta\",\"content\":\"%s \"}%s%s", eol, w, eol, eol)
			if i == 15 {
				fmt.Fprintf(&b, ": ping - 2026-11-23 10:00:00.000000+00:00%s%s", eol, eol)
			}
		}
		fmt.Fprintf(&b, "id: %d%sevent: tool_call%sdata: {\"type\":\"tool_call\",\"id\":\"call_%d\",\"name\":\"search\",\"arguments\":{\"q\":\"sse\"}}%s%s", n, eol, eol, n, eol, eol)
		fmt.Fprintf(&b, "event: done%sdata: {\"type\":\"done\",\"status\":\"ok\"}%s%s", eol, eol, eol)
	}
	return []byte(b.String())
}
