// Package synth writes streams nobody recorded, in a provider's own wire
// format, from a short script: the text, the reasoning, the tool calls,
// the usage, how it finishes or the error it ends with, paced by a
// profile (time to the first token, tokens per second, jitter). The
// formats are agent, openai-chat, openai-responses, anthropic, gemini and
// vercel-ai (docs/synthesis.md, DESIGN.md "Synthesis").
//
// It returns its own plain events (time, type, data, id, comment) with
// the request and headers of the format, and imports nothing of ssetape
// but sse: the cassette package expands a cassette's synth: block by
// calling Synthesize, so every loader sees the events. It never checks
// what it writes against a preset; the tests do, for random scripts in
// every format.
//
// Everything is deterministic for a seed: ids, timestamps, jitter.
package synth
