import { test, expect } from './app';

const ANSWER = '資料を確認しました。第3四半期の売上は前年同期比12%増の48億円です。';

test('streams the answer', async ({ page, app }) => {
  await page.goto(app());
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#state')).toHaveText('done');
  await expect(page.locator('#answer')).toHaveText(ANSWER);
});

// The recipe of docs/frontend-testing.md: hold the stream while the tool
// runs, look at the page, release it.
test('shows the tool line and the spinner while the tool runs', async ({ page, app, ssetape }) => {
  await ssetape.fault('hold:type=tool_result');
  await page.goto(app());
  await page.getByRole('button', { name: 'Send' }).click();
  const held = await ssetape.held();
  expect(held.next_type).toBe('tool_result');
  await expect(page.locator('#tools .tool')).toHaveCount(1);
  await expect(page.locator('#tools')).toContainText('search_documents');
  await expect(page.locator('#spinner')).toBeVisible();
  await expect(page.locator('#answer')).toHaveText('');
  await ssetape.release(held.id);
  await expect(page.locator('#state')).toHaveText('done');
  await expect(page.locator('#answer')).toHaveText(ANSWER);
  await expect(page.locator('#spinner')).toBeHidden();
});

test('shows an error and stops the spinner when the connection drops', async ({ page, app, ssetape }) => {
  await ssetape.fault('reset:after=3');
  await page.goto(app());
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#state')).toHaveText(/error/, { timeout: 10_000 });
  await expect(page.locator('#spinner')).toBeHidden();
});

// Faults belong to the test that armed them: this test arms one and ends
// without using it, and the next test in the file streams cleanly.
test.describe.serial('a fault does not leak into the next test', () => {
  test('arms a fault it never uses', async ({ ssetape }) => {
    await ssetape.fault('drop:type=done', { times: 0 });
    expect(await ssetape.faults()).toHaveLength(1);
  });
  test('streams without it', async ({ page, app, ssetapeServer }) => {
    // The worker's server, all sessions: the previous test's fault is gone.
    expect(await ssetapeServer.faults()).toHaveLength(0);
    await page.goto(app());
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.locator('#state')).toHaveText('done');
  });
});

test('renders text split inside UTF-8 characters intact', async ({ page, app, ssetape }) => {
  await ssetape.fault('chunk:split=utf8,gap=10ms');
  await page.goto(app());
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#state')).toHaveText('done');
  await expect(page.locator('#answer')).not.toContainText('\uFFFD');
});

// The journal shows what the app sent: the request the page made.
test('the journal has the page’s request', async ({ page, app, ssetape }) => {
  await page.goto(app({ message: 'hello from the page' }));
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#state')).toHaveText('done');
  const [req] = await ssetape.requests({ path: '/api/chat', method: 'POST' });
  expect(req.body).toContain('hello from the page');
  expect(req.interaction).toBe('builtin:agent.yaml#1');
});

