// Real JavaScript SSE clients against a running ssetape replay server.
// Usage: node clients.mjs BASE_URL SCENARIO; prints one JSON result line.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { EventSource } from 'eventsource';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { synthScenarios } from './synth.mjs';

// The example frontend's parser (examples/frontend/sse.js), loaded as the page loads it.
const sseSource = readFileSync(fileURLToPath(new URL('../../examples/frontend/sse.js', import.meta.url)), 'utf8');
const createSSEParser = new Function(`${sseSource}; return createSSEParser;`)();

const [base, scenario] = process.argv.slice(2);

async function openaiChat() {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Explain SSE in one sentence.' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  let finish = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  // The helper that accumulates a final completion, on a second request.
  const helper = client.chat.completions.stream({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'again' }],
    stream_options: { include_usage: true },
  });
  const final = await helper.finalChatCompletion();
  return { text, finish, total_tokens: usage?.total_tokens, final: final.choices[0].message.content };
}

async function openaiResponses() {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  const stream = client.responses.stream({ model: 'gpt-4.1-mini', input: 'Say something about replay.' });
  const deltas = [];
  stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
  const final = await stream.finalResponse();
  return { text: deltas.join(''), status: final.status, output_text: final.output_text };
}

async function anthropic() {
  const client = new Anthropic({ baseURL: base, apiKey: 'sk-ant-test', maxRetries: 0 });
  const stream = client.messages.stream({
    model: 'claude-sonnet-4-5',
    max_tokens: 256,
    messages: [{ role: 'user', content: 'Why record streams?' }],
  });
  let text = '';
  stream.on('text', (t) => { text += t; });
  const final = await stream.finalMessage();
  return { text, stop_reason: final.stop_reason, final: final.content[0].text };
}

function eventSource() {
  return new Promise((resolve) => {
    const started = Date.now();
    const es = new EventSource(`${base}/events?ssetape_session=es`);
    const events = [];
    let opens = 0;
    es.onopen = () => { opens++; };
    for (const type of ['text_delta', 'done']) {
      es.addEventListener(type, (e) => events.push({ type, id: e.lastEventId }));
    }
    const timer = setTimeout(() => { es.close(); resolve({ events, opens, closed: false, ms: Date.now() - started }); }, 15000);
    es.onerror = () => {
      // The server answers the reconnect (Last-Event-ID: 7) with 204: the
      // client stops for good.
      if (es.readyState === EventSource.CLOSED) {
        clearTimeout(timer);
        resolve({ events, opens, closed: true, ms: Date.now() - started });
      }
    };
  });
}

// The seed frontend's way: POST with fetch, read response.body.getReader().
async function fetchReader() {
  const resp = await fetch(`${base}/api/chat`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify({ message: 'この資料を分析して' }),
  });
  const types = [];
  let text = '';
  const parser = createSSEParser((ev) => {
    const msg = JSON.parse(ev.data);
    types.push(msg.type);
    if (msg.type === 'text_delta') text += msg.content;
  });
  const reader = resp.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(value);
  }
  parser.end();
  return { status: resp.status, types, text };
}

const scenarios = { 'fetch-reader': fetchReader, 'openai-chat': openaiChat, 'openai-responses': openaiResponses, anthropic, eventsource: eventSource, ...synthScenarios };
try {
  const result = await scenarios[scenario](base);
  console.log(JSON.stringify(result));
} catch (err) {
  console.log(JSON.stringify({ error: String(err?.stack ?? err) }));
  process.exitCode = 1;
}
