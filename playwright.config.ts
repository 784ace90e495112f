import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

// End-to-end tests run the real product: `npm start`'s supervisor, the Next.js server, the embedded
// database in a fresh folder, and Debian's Chromium with WebGPU on SwiftShader (e2e/fixtures.ts).
const port = Number(process.env.E2E_PORT || 3917);
const dataDir = process.env.E2E_DATA_DIR || join(mkdtempSync(join(tmpdir(), 'lumengrid-e2e-')), 'db');
process.env.E2E_DATA_DIR = dataDir; // config is evaluated again in workers: keep one folder
// The local chain npm start runs, in its own folder next to the database, on a port of its own.
const anvilPort = Number(process.env.E2E_ANVIL_PORT || 8547);
process.env.E2E_RPC_URL = `http://127.0.0.1:${anvilPort}`;

export default defineConfig({
  testDir: 'e2e',
  timeout: 240_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  webServer: {
    command: 'node scripts/start.mjs',
    url: `http://127.0.0.1:${port}/api/jobs`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      LUMENGRID_DATA_DIR: dataDir,
      LUMENGRID_CHAIN_DIR: join(dataDir, '..', 'chain'),
      LUMENGRID_ANVIL_PORT: String(anvilPort),
      // Settle every second; tests move the chain's clock past the challenge window themselves.
      LUMENGRID_SETTLE_INTERVAL_MS: '1000',
      LUMENGRID_CHALLENGE_WINDOW_S: '3600',
      // Credit matures two seconds after it is earned (the audit window; 10 minutes by default), so that a
      // test's settlement can pay it.
      LUMENGRID_AUDIT_WINDOW_MS: '2000',
      // 1e14 wei per pixel-sample: a 32×32 job at 8 samples per pixel earns enough that the relayer's 1 %
      // pays a relayed claim's gas on anvil (~1 gwei), so "Claim without gas" is offered.
      LUMENGRID_PRICE_WEI: '100000000000000',
    },
  },
});
