#!/usr/bin/env node
// `npm run bench:demo`: throughput of the whole farm on the built-in demo scene with two and with three
// contributor tabs, measured in the same run against a real server, database and headless Chromium. (One tab
// alone cannot finish a job: every unit is verified by another session's spot check before it counts.)
// Throughput counts verified pixel-samples; the check work is reported beside it as overhead.
//
//   BENCH_WIDTH, BENCH_HEIGHT, BENCH_SPP   demo job size (default 256 x 256 x 32)
//   BENCH_PORT                            server port (default 3918)
//
// Prints per-configuration figures and, last, one summary line:
//   demo: two_tabs_msps=0.21 three_tabs_msps=0.24 ratio=1.14
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';

const width = Number(process.env.BENCH_WIDTH || 256);
const height = Number(process.env.BENCH_HEIGHT || 256);
const spp = Number(process.env.BENCH_SPP || 32);
const port = Number(process.env.BENCH_PORT || 3918);
const base = `http://127.0.0.1:${port}`;
const scratch = mkdtempSync(join(tmpdir(), 'lumengrid-bench-'));

const server = spawn(process.execPath, ['scripts/start.mjs'], {
  env: { ...process.env, PORT: String(port), LUMENGRID_DATA_DIR: join(scratch, 'db') },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => (String(d).includes('Lumengrid is running') ? resolve() : undefined));
  server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
});

const context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: [
    '--enable-unsafe-webgpu',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
  ],
});

async function runJob(tabs) {
  const pages = [];
  for (let i = 0; i < tabs; i++) {
    const page = await context.newPage();
    await page.goto(`${base}/contribute`);
    await page.getByTestId('adapter').waitFor();
    // Nothing renders before consent; the browser context remembers it for the later tabs.
    const agree = page.getByRole('button', { name: 'I agree, let this tab render' });
    await page.getByTestId('consent-given').or(agree).first().waitFor();
    if (await agree.count()) await agree.click();
    await page.getByTestId('consent-given').waitFor();
    await page.getByRole('button', { name: 'Start' }).click();
    pages.push(page);
  }
  // Let every tab's worker compile the shader before there is work, so compile time is not measured.
  await new Promise((r) => setTimeout(r, 3000));
  const response = await fetch(`${base}/api/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scene: 'cornell', width, height, samplesPerPixel: spp, seed: 1 }),
  });
  let job = await response.json();
  while (job.status !== 'done') {
    await new Promise((r) => setTimeout(r, 250));
    job = await (await fetch(`${base}/api/jobs/${job.id}`)).json();
  }
  const units = await Promise.all(
    pages.map(async (p) => Number(await p.getByTestId('units-done').textContent())),
  );
  const overhead = `${(100 * job.verification.overhead).toFixed(1)} %`;
  for (const page of pages) await page.close();
  const seconds = (job.completedAt - job.startedAt) / 1000;
  const msps = job.pixelSamplesDone / seconds / 1e6;
  console.log(
    `${tabs} tab(s): ${width}x${height}x${spp} spp, ${job.unitsTotal} units in ${seconds.toFixed(2)} s = ${msps.toFixed(3)} M verified px-samples/s, check overhead ${overhead} (units and checks per tab: ${units.join(', ')})`,
  );
  return msps;
}

try {
  const two = await runJob(2);
  const three = await runJob(3);
  console.log(
    `demo: two_tabs_msps=${two.toFixed(3)} three_tabs_msps=${three.toFixed(3)} ratio=${(three / two).toFixed(2)}`,
  );
} finally {
  await context.close();
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  rmSync(scratch, { recursive: true, force: true });
}
