import { test, expect } from '@playwright/test';

const API = 'http://127.0.0.1:18080'; // ssetape replay --cors "*"
const APP = `http://127.0.0.1:18000/index.html?api=${encodeURIComponent(API)}&path=/api/chat`; // the app, pointed at API

// Adds the scenario to the app's requests to the replay server, in the
// browser: the app needs no test hooks.
async function scenario(page, fault: string, session: string) {
  await page.route(`${API}/**`, (route) =>
    route.continue({ headers: { ...route.request().headers(), 'ssetape-fault': fault, 'ssetape-session': session } }));
}

test('streams the answer', async ({ page }) => {
  await page.goto(APP);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#state')).toHaveText('done');
  await expect(page.locator('#answer')).toHaveText('資料を確認しました。第3四半期の売上は前年同期比12%増の48億円です。');
});

test('shows an error and stops the spinner when the connection drops', async ({ page }, info) => {
  await scenario(page, 'reset:after=3', info.title);
  await page.goto(APP);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#state')).toHaveText(/error/, { timeout: 10_000 });
  await expect(page.locator('#spinner')).toBeHidden();
});

test('renders text split inside UTF-8 characters intact', async ({ page }, info) => {
  await scenario(page, 'chunk:split=utf8,gap=10ms', info.title);
  await page.goto(APP);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#state')).toHaveText('done');
  await expect(page.locator('#answer')).not.toContainText('\uFFFD');
});
