// The real SDKs reading synthesized streams back (synth's Go tests): each
// scenario returns what the SDK made of the stream, in one shape:
// { text, tool_calls: [{name, args}], finish, raised } where raised is the
// message of an error the SDK threw or reported, else null.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { DefaultChatTransport, readUIMessageStream } from 'ai';

const messageOf = (err) => String(err?.message ?? err);

async function openaiChat(base) {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  let text = '';
  let finish = null;
  const calls = [];
  try {
    const stream = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      text += choice.delta?.content ?? '';
      for (const tc of choice.delta?.tool_calls ?? []) {
        calls[tc.index] ??= { name: '', args: '' };
        if (tc.function?.name) calls[tc.index].name = tc.function.name;
        calls[tc.index].args += tc.function?.arguments ?? '';
      }
      finish = choice.finish_reason ?? finish;
    }
  } catch (err) {
    return { text, tool_calls: parsed(calls), finish, raised: messageOf(err) };
  }
  return { text, tool_calls: parsed(calls), finish, raised: null };
}

function parsed(calls) {
  return calls.map((c) => ({ name: c.name, args: JSON.parse(c.args || '{}') }));
}

async function openaiResponses(base) {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  const stream = client.responses.stream({ model: 'gpt-4.1-mini', input: 'hi' });
  let text = '';
  let final = null;
  let raised = null;
  try {
    for await (const e of stream) {
      if (e.type === 'response.output_text.delta') text += e.delta;
      if (e.type === 'response.completed' || e.type === 'response.incomplete') final = e.response;
      if (e.type === 'response.failed') raised = e.response.error?.message ?? 'failed';
    }
  } catch (err) {
    raised = messageOf(err);
  }
  const calls = (final?.output ?? []).filter((o) => o.type === 'function_call').map((o) => ({ name: o.name, args: JSON.parse(o.arguments) }));
  return { text, tool_calls: calls, finish: final?.status ?? null, raised, output_text: final?.output_text ?? null };
}

async function anthropic(base) {
  const client = new Anthropic({ baseURL: base, apiKey: 'sk-ant-test', maxRetries: 0 });
  const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  stream.on('text', (t) => { text += t; });
  try {
    const final = await stream.finalMessage();
    const calls = final.content.filter((b) => b.type === 'tool_use').map((b) => ({ name: b.name, args: b.input }));
    const thinking = final.content.filter((b) => b.type === 'thinking').map((b) => b.thinking).join('');
    return { text, tool_calls: calls, finish: final.stop_reason, raised: null, thinking };
  } catch (err) {
    return { text, tool_calls: [], finish: null, raised: messageOf(err) };
  }
}

async function gemini(base) {
  const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: base } });
  let text = '';
  let finish = null;
  const calls = [];
  try {
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' });
    for await (const chunk of stream) {
      for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
        if (part.text && !part.thought) text += part.text;
        if (part.functionCall) calls.push({ name: part.functionCall.name, args: part.functionCall.args ?? {} });
      }
      finish = chunk.candidates?.[0]?.finishReason ?? finish;
    }
  } catch (err) {
    return { text, tool_calls: calls, finish, raised: messageOf(err) };
  }
  return { text, tool_calls: calls, finish, raised: null };
}

async function vercel(base) {
  const transport = new DefaultChatTransport({ api: `${base}/api/chat` });
  let raised = null;
  const stream = await transport.sendMessages({
    chatId: 'c1', trigger: 'submit-message', messageId: undefined, abortSignal: undefined,
    messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
  });
  let last = null;
  let finish = null;
  // The chunks are watched as they pass for finish and error, which the
  // message does not keep.
  const watched = stream.pipeThrough(new TransformStream({
    transform(chunk, ctl) {
      if (chunk.type === 'finish') finish = chunk.finishReason ?? null;
      if (chunk.type === 'error') raised = chunk.errorText;
      ctl.enqueue(chunk);
    },
  }));
  try {
    for await (const m of readUIMessageStream({ stream: watched, onError: (e) => { raised ??= messageOf(e); } })) last = m;
  } catch (err) {
    raised ??= messageOf(err);
  }
  const parts = last?.parts ?? [];
  const text = parts.filter((p) => p.type === 'text').map((p) => p.text).join('');
  const calls = parts.filter((p) => p.type.startsWith('tool-') && p.state !== 'output-error' && p.state !== 'input-streaming' && p.input !== undefined && typeof p.input === 'object')
    .map((p) => ({ name: p.type.slice('tool-'.length), args: p.input }));
  return { text, tool_calls: calls, finish, raised };
}

export const synthScenarios = {
  'synth-openai-chat': openaiChat,
  'synth-openai-responses': openaiResponses,
  'synth-anthropic': anthropic,
  'synth-gemini': gemini,
  'synth-vercel-ai': vercel,
};
