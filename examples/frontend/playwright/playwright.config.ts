import { defineConfig } from '@playwright/test';

// The example pages against ssetape replay, through the ssetape/playwright
// fixture: each worker starts its own replay server on a free port, each
// test has its own session. Chromium is the system's (never downloaded).
export default defineConfig({
  testDir: 'tests',
  timeout: 30_000,
  fullyParallel: true,
  workers: 2,
  reporter: [['list']],
  use: {
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
