import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, test as base, chromium, expect, type Page } from '@playwright/test';

/**
 * Debian's Chromium with WebGPU (SwiftShader on machines without a GPU). Playwright's own browser download
 * is never used. Flags: see docs/design.md "Runtime facts"; the background-networking flags keep Chromium
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

/**
 * Agrees to what the contribute page runs, as a person does (the "I agree" button), unless this browser
 * profile agreed already in another tab: the choice is remembered per browser. Call it on /contribute.
 */
export async function giveConsent(page: Page) {
  const agree = page.getByRole('button', { name: 'I agree, let this tab render' });
  const given = page.getByTestId('consent-given');
  await expect(agree.or(given)).toBeVisible();
  if (await agree.isVisible()) await agree.click();
  await expect(given).toBeVisible();
}

/** Reads a Playwright download into memory. */
export async function downloadBytes(page: Page, click: () => Promise<void>): Promise<Uint8Array> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
