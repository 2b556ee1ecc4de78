// The Node API against the real binary (SSETAPE_BINARY, or the platform
// package when installed from the tarballs). node --test test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReplay } from 'ssetape';

// events reads a stream's events (their types) as they come, until it ends.
async function* events(resp) {
  const dec = new TextDecoder();
  let buf = '';
  for await (const chunk of resp.body) {
    buf += dec.decode(chunk, { stream: true });
    let i;
    while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + (buf[i] === '\r' ? 4 : 2));
      const m = block.match(/^event: (.*)$/m);
      if (m) yield m[1].trim();
    }
  }
}

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const waitGone = async (pid, ms = 10_000) => {
  const until = Date.now() + ms;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
};

test('start, hold at tool_call, wait, release, journal, reset, close', async () => {
  const r = await startReplay({ speed: 'max' });
  try {
    assert.match(r.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await r.health(), { status: 'ok', interactions: 3, streams: 0, journal: 0 });
    const id = await r.fault('hold:type=tool_call', { path: '/api/chat' });
    assert.equal((await r.faults())[0].id, id);
    const resp = await fetch(`${r.url}/api/chat`, { method: 'POST', body: '{}' });
    const it = events(resp);
    assert.equal((await it.next()).value, 'thinking');
    const [held] = await r.streams({ state: 'held', wait: '10s' });
    assert.equal(held.next_type, 'tool_call');
    assert.equal(held.events_sent, 1);
    await r.release(held.id, { events: 1 });
    assert.equal((await it.next()).value, 'tool_call');
    const [again] = await r.streams({ state: 'held', wait: '10s' });
    assert.equal(again.next_type, 'tool_result');
    await r.release(held.id, { all: true });
    const rest = [];
    for await (const t of it) rest.push(t);
    assert.deepEqual(rest, ['tool_result', 'text_delta', 'text_delta', 'text_delta', 'text_delta', 'final_answer', 'done']);
    const [entry] = await r.requests({ path: '/api/chat' });
    assert.equal(entry.faults[0].armed_id, id);
    assert.equal(entry.faults[0].source, 'armed');
    await r.reset();
    await assert.rejects(r.release('999'), /no open stream/);
  } finally {
    assert.equal(await r.close(), 0);
  }
  assert.ok(await waitGone(r.pid), 'the server is gone after close()');
});

test('end with a reset, cassettes added and removed, per session', async () => {
  const r = await startReplay(); // as recorded: the second event is 5 s away
  try {
    const cid = await r.addCassette(`version: 1
interactions:
  - request: {method: GET, path: /mine}
    response:
      headers: {Content-Type: [text/event-stream]}
      entries:
        - {at: 0s, event: a, data: "1"}
        - {at: 5s, event: b, data: "2"}
`, { session: 's1' });
    const resp = await fetch(`${r.url}/mine`, { headers: { 'Ssetape-Session': 's1' } });
    const it = events(resp);
    assert.equal((await it.next()).value, 'a');
    const [open] = await r.streams({ session: 's1', wait: '5s' });
    await r.end(open.id, 'reset');
    await assert.rejects((async () => { for await (const _ of it); })());
    assert.equal((await fetch(`${r.url}/mine`)).status, 404, 'another session does not see the added cassette');
    await r.removeCassette(cid);
    assert.equal((await fetch(`${r.url}/mine`, { headers: { 'Ssetape-Session': 's1' } })).status, 404);
    const bad = r.addCassette('version: 1\ninteractions:\n  - request: {path: nope}\n');
    await assert.rejects(bad, (err) => err.status === 400 && /cassette:3:/.test(err.message));
  } finally {
    await r.close();
  }
});

test('a bad cassette rejects with the file:line message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssetape-js-'));
  writeFileSync(join(dir, 'bad.yaml'), 'version: 1\ninteractions:\n  - request: {path: /x}\n    response: {statuss: 200}\n');
  await assert.rejects(startReplay({ cassettes: ['bad.yaml'], cwd: dir }), /bad\.yaml:4:16: .*statuss.*unknown key/);
});

test('two replays at once share nothing', async () => {
  const [a, b] = await Promise.all([startReplay({ speed: 'max' }), startReplay({ speed: 'max' })]);
  try {
    assert.notEqual(a.url, b.url);
    await a.fault('drop:type=done', { times: 0 });
    assert.equal((await b.faults()).length, 0);
    const text = await (await fetch(`${b.url}/api/chat`, { method: 'POST', body: '{}' })).text();
    assert.match(text, /event: done/);
    const textA = await (await fetch(`${a.url}/api/chat`, { method: 'POST', body: '{}' })).text();
    assert.doesNotMatch(textA, /event: done/);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('the server does not outlive a parent killed with SIGKILL', async () => {
  const script = `import { startReplay } from 'ssetape'; const r = await startReplay(); console.log(r.pid); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() });
  const pid = await new Promise((res, rej) => {
    parent.stdout.once('data', (d) => res(Number(String(d).trim())));
    parent.once('exit', (code) => rej(new Error(`the parent exited (${code}) before starting a server`)));
  });
  assert.ok(alive(pid));
  parent.kill('SIGKILL');
  assert.ok(await waitGone(pid), 'the server exits when its parent dies');
});
