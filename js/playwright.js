// The Playwright fixture: `import { test, expect } from 'ssetape/playwright'`.
// Each worker starts one replay server from ssetapeOptions; each test gets
// `ssetape`, the server's methods scoped to the test's own session, and its
// browser context's requests to the server (and to the `intercept` URLs,
// routed to the server) carry Ssetape-Session, so that tests running in
// parallel never see each other's faults, holds, counters or cassettes.
import { test as base, expect } from '@playwright/test';
import { startReplay } from './index.js';

export { expect };

/** The session of one test: its id, retry and repeat index. */
export function sessionOf(testInfo) {
  return `${testInfo.testId}-r${testInfo.retry}-e${testInfo.repeatEachIndex}`;
}

export const test = base.extend({
  ssetapeOptions: [{}, { scope: 'worker', option: true }],

  ssetapeServer: [async ({ ssetapeOptions }, use) => {
    const o = ssetapeOptions ?? {};
    const replay = await startReplay({
      cassettes: o.cassettes, speed: o.speed, cors: o.cors, contract: o.contract, port: o.port,
      seed: o.seed, faults: o.faults, controlToken: o.controlToken, binary: o.binary, cwd: o.cwd, args: o.args, env: o.env,
    });
    await use(replay);
    await replay.close();
  }, { scope: 'worker' }],

  ssetape: async ({ ssetapeServer: server, ssetapeOptions, context }, use, testInfo) => {
    const session = sessionOf(testInfo);
    const origin = new URL(server.url);
    // The server's own URL, and the app's backend URLs routed to it.
    await context.route(`${server.url}/**`, (route) => {
      const req = route.request();
      return route.continue({ headers: { ...req.headers(), 'ssetape-session': session } });
    });
    for (const glob of ssetapeOptions?.intercept ?? []) {
      await context.route(glob, (route) => {
        const req = route.request();
        const u = new URL(req.url());
        u.protocol = origin.protocol;
        u.host = origin.host;
        return route.continue({ url: u.toString(), headers: { ...req.headers(), 'ssetape-session': session } });
      });
    }
    const added = [];
    const s = {
      url: server.url,
      session,
      health: () => server.health(),
      fault: (spec, o = {}) => server.fault(spec, { session, ...o }),
      faults: async () => (await server.faults()).filter((f) => f.session === session),
      clearFaults: (id) => server.clearFaults(id, { session }),
      streams: (f = {}) => server.streams({ session, ...f }),
      release: (id, how) => server.release(id, how),
      end: (id, how) => server.end(id, how),
      releaseAll: (how = {}) => server.releaseAll({ session, ...how }),
      endAll: (how = {}) => server.endAll({ session, ...how }),
      requests: (f = {}) => server.requests({ session, ...f }),
      clearRequests: () => server.clearRequests(session),
      addCassette: async (c, o = {}) => {
        const id = await server.addCassette(c, { session, ...o });
        added.push(id);
        return id;
      },
      removeCassette: async (id) => {
        await server.removeCassette(id);
        added.splice(added.indexOf(id), 1);
      },
      reset: () => server.reset(session),
      /** Waits (up to wait, default 10s) for a held stream of this test. */
      held: async (wait = '10s') => {
        const [st] = await server.streams({ session, state: 'held', wait });
        if (!st) throw new Error(`ssetape: no stream of this test was held within ${wait}`);
        return st;
      },
    };
    await use(s);
    // Clean up the session, whatever the test did.
    const journal = await server.requests({ session }).catch(() => []);
    await server.clearFaults(undefined, { session }).catch(() => {});
    await server.endAll({ session }).catch(() => {});
    await server.reset(session).catch(() => {});
    for (const id of added) await server.removeCassette(id).catch(() => {});
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('ssetape journal', { body: JSON.stringify(journal, null, 2), contentType: 'application/json' });
    }
    if (ssetapeOptions?.contract) {
      const broken = journal.flatMap((r) => r.violations.filter((v) => v.severity === 'error')
        .map((v) => `${r.method} ${r.path} (${r.interaction}): ${v.rule} at event ${v.event}: ${v.message}`));
      if (broken.length > 0) {
        await testInfo.attach('ssetape contract', { body: broken.join('\n'), contentType: 'text/plain' });
        throw new Error(`ssetape: a stream broke the contract ${ssetapeOptions.contract}:\n${broken.join('\n')}`);
      }
    }
  },
});
