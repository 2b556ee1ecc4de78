// The example app, served for each worker on a free port, and the replay
// server's options for these tests: the fixture's test, extended.
import { test as base, expect } from 'ssetape/playwright';
import { fileURLToPath } from 'node:url';
import { serve } from '../serve.mjs';

export const test = base.extend<{ app: (query?: Record<string, string>) => string }, { appURL: string }>({
  appURL: [async ({}, use) => {
    const s = await serve(fileURLToPath(new URL('../..', import.meta.url)));
    await use(s.url);
    await s.close();
  }, { scope: 'worker' }],
  // app gives the page's URL, pointed at this test's replay server.
  app: async ({ appURL, ssetape }, use) => {
    await use((query = {}) => `${appURL}/index.html?${new URLSearchParams({ api: ssetape.url, path: '/api/chat', ...query })}`);
  },
});

test.use({ ssetapeOptions: { cors: '*', speed: 4 } });

export { expect };
