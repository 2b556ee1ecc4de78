import { defineConfig } from '@playwright/test';

// ssetape replay serves the built-in sample agent; serve.mjs serves the example
// pages. Install ssetape first: go install ./cmd/ssetape (from the checkout).
export default defineConfig({
  testDir: 'tests',
  timeout: 30_000,
  use: {
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  webServer: [
    { command: 'ssetape replay --listen 127.0.0.1:18080 --cors "*" --speed 4', port: 18080, reuseExistingServer: false },
    { command: 'node serve.mjs 18000 ..', port: 18000, reuseExistingServer: false },
  ],
});
