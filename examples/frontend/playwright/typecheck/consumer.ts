// Uses every method of the Node API and of the fixture, for tsc --noEmit:
// the shipped .d.ts files must describe them (npm run typecheck).
import { startReplay, type Replay, type JournalEntry, type StreamInfo } from 'ssetape';
import { test, expect, sessionOf } from 'ssetape/playwright';

async function api(): Promise<number> {
  const r: Replay = await startReplay({ cassettes: ['a.yaml'], cors: '*', speed: 'max', seed: 1, faults: ['close:after=3'],
    contract: 'agent', controlToken: 't', binary: '/x', cwd: '.', env: { A: '1' }, args: ['--quiet'], port: 0 });
  const h = await r.health();
  const n: number = h.interactions + h.streams;
  const id: string = await r.fault('hold:type=tool_call', { session: 's', method: 'POST', path: '/api/chat', times: 0 });
  const armed = await r.faults();
  const left: number | null = armed[0].times_left;
  await r.clearFaults(id);
  await r.clearFaults(undefined, { session: 's' });
  const streams: StreamInfo[] = await r.streams({ session: 's', state: 'held', wait: '5s' });
  await r.release(streams[0].id, { events: 1, until: { type: 'done', type_from: 'data.type' }, all: false, speed: 'max' });
  await r.release(streams[0].id, { until: 'tool_result', speed: 2 });
  await r.release(streams[0].id, { until: { data: 'x' } });
  await r.end(streams[0].id, 'reset');
  const released: string[] = await r.releaseAll({ session: 's', all: true });
  const ended: string[] = await r.endAll({ session: 's', how: 'close' });
  const reqs: JournalEntry[] = await r.requests({ session: 's', method: 'POST', path: '/api/chat', since: '3', wait: '1s' });
  const status: number | null = reqs[0].status;
  await r.clearRequests('s');
  const cid: string = await r.addCassette('version: 1\ninteractions: []\n', { session: 's' });
  await r.addCassette({ version: 1, interactions: [] });
  await r.removeCassette(cid);
  await r.reset('s');
  await r.reset();
  void [n, left, released, ended, status, r.url, r.pid];
  return r.close();
}

test.use({ ssetapeOptions: { cassettes: ['a.yaml'], speed: 4, cors: '*', contract: 'auto', intercept: ['http://localhost:3000/api/**'], port: 0 } });

test('every fixture method', async ({ ssetape, page }, info) => {
  const s: string = ssetape.session;
  expect(s).toBe(sessionOf(info));
  await page.goto(ssetape.url);
  await ssetape.health();
  const id = await ssetape.fault('hold', { path: '/api/chat', times: 2 });
  await ssetape.faults();
  await ssetape.clearFaults(id);
  await ssetape.clearFaults();
  const held = await ssetape.held('5s');
  await ssetape.streams({ state: 'open' });
  await ssetape.release(held.id, { all: true });
  await ssetape.end(held.id);
  await ssetape.releaseAll({ events: 1 });
  await ssetape.endAll({ how: 'reset' });
  await ssetape.requests({ path: '/x' });
  await ssetape.clearRequests();
  const cid = await ssetape.addCassette({ version: 1, interactions: [] });
  await ssetape.removeCassette(cid);
  await ssetape.reset();
});

void api;
