import { test, expect } from './app';

// With contract set, a stream that breaks it fails the test. Here it is
// meant to (test.fail): done is dropped, so the agent preset's AGT-1
// breaks, and the fixture fails the test at its end with the rule.
test.use({ ssetapeOptions: { cors: '*', speed: 4, contract: 'agent' } });

test('a stream without done fails the test', async ({ page, app, ssetape }) => {
  test.fail();
  await ssetape.fault('drop:type=done');
  await page.goto(app());
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#state')).toHaveText(/error/);
});

test('a stream that keeps the contract passes', async ({ page, app }) => {
  await page.goto(app());
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#state')).toHaveText('done');
});
