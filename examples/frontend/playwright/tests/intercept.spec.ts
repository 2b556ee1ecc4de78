import { test, expect } from './app';

// An app that knows only its own backend (built in, same origin) is
// tested by routing that backend's URL to the replay server: intercept.
// The requests still carry the test's session, so its fault, its hold and
// its journal are its own.
test.use({ ssetapeOptions: { cors: '*', speed: 4, intercept: ['**/api/chat'] } });

test('the app\'s own backend URL is routed to the replay, in the test\'s session', async ({ page, appURL, ssetape }) => {
  await ssetape.fault('hold:type=tool_result');
  // api is the app's own origin, which has no /api/chat: only the route
  // makes this stream work.
  await page.goto(`${appURL}/index.html?${new URLSearchParams({ api: appURL, path: '/api/chat' })}`);
  await page.getByRole('button', { name: 'Send' }).click();
  const held = await ssetape.held();
  await expect(page.locator('#tools')).toContainText('search_documents');
  await ssetape.release(held.id);
  await expect(page.locator('#state')).toHaveText('done');
  const [req] = await ssetape.requests({ path: '/api/chat' });
  expect(req.session).toBe(ssetape.session);
  expect(req.faults.map((f) => f.source)).toEqual(['armed']);
});
