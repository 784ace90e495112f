/**
 * The browser side of the render benchmarks: one headless Chromium with the benchmark page (serve-bundle.ts),
 * whose two workers render requests one at a time (browser/page.ts). bench:render and bench:fidelity both
 * drive their renders through it, so both renderers always run in the same browser under the same flags.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import {
  type BenchPageApi,
  PAGE_API_KEY,
  type RunOutcome,
  type RunReport,
  type RunRequest,
  sceneName,
} from './protocol';
import { bundleAndServe } from './serve-bundle';

export interface BenchPage {
  /** Renders one request in its renderer's worker; throws with the worker's error. */
  run(request: RunRequest): Promise<RunReport>;
  close(): Promise<void>;
}

/**
 * Launches Chromium (WebGPU enabled: SwiftShader where there is no GPU) on the bundled page. `files` are
 * extra files the server serves, URL path (e.g. '/assets/box.glb') to file on disk.
 */
export async function openBenchPage(
  chromiumPath: string,
  log: (line: string) => void,
  files: Map<string, string> = new Map(),
): Promise<BenchPage> {
  const scratch = mkdtempSync(join(tmpdir(), 'lumengrid-bench-page-'));
  const server = await bundleAndServe(join(scratch, 'www'), files);
  const context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--enable-unsafe-webgpu',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  const close = async () => {
    await context.close();
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]', { state: 'attached' });
    const run = async (request: RunRequest): Promise<RunReport> => {
      const outcome = await page.evaluate(
        ([key, r]) => (window as unknown as Record<string, BenchPageApi>)[key]?.run(r) as Promise<RunOutcome>,
        [PAGE_API_KEY, request] as const,
      );
      if (!outcome.ok) {
        throw new Error(`${request.renderer} on ${sceneName(request.scene)}: ${outcome.error}`);
      }
      return outcome.report;
    };
    return { run, close };
  } catch (cause) {
    await close();
    throw cause;
  }
}
