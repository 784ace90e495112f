import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, test as base, chromium, type Page } from '@playwright/test';

/**
 * Debian's Chromium with WebGPU (SwiftShader on machines without a GPU). Playwright's own browser download
 * is never used. Flags: see ../DESIGN.md "Runtime facts"; the background-networking flags keep Chromium
 * from dialling out of a closed network.
 */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const test = base.extend<{ gpuContext: BrowserContext }>({
  gpuContext: async ({ baseURL }, use) => {
    const profile = mkdtempSync(join(tmpdir(), 'lumengrid-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      baseURL,
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
    });
    await use(context);
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';

/** Reads a Playwright download into memory. */
export async function downloadBytes(page: Page, click: () => Promise<void>): Promise<Uint8Array> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
