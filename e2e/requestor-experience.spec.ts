import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { decode } from 'fast-png';
import type { JobView } from '../lib/protocol/api-types';
import { decodePfm } from '../lib/render/pfm';
import { downloadBytes, expect, giveConsent, test } from './fixtures';

// The requestor's side as a newcomer meets it: a scene dropped on the dashboard, a job with what it takes,
// and the job's page while contributor tabs render it: the live preview changing, the tile heatmap, the
// throughput chart, the ETA and both downloads. Then the claims page. Screenshots of every page are
// attached to the test report (not committed).

const SCENE = join(import.meta.dirname, 'fixtures', 'scenes', 'ShapeCollection.glb');
// 12 tiles × 8 sample ranges: long enough on SwiftShader to watch it converge, short enough for a test.
const JOB = { width: 64, height: 48, spp: 32, tileSize: 16, samplesPerUnit: 4 };
const TILES = (JOB.width / JOB.tileSize) * (JOB.height / JOB.tileSize);

async function attachScreenshot(page: Page, testInfo: TestInfo, name: string) {
  await testInfo.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
}

/** No page may scroll sideways on a phone (once the layout has settled after a resize). */
async function expectNoSidewaysScroll(page: Page) {
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), {
      timeout: 5_000,
    })
    .toBeLessThanOrEqual(0);
}

/** A DataTransfer holding `files`, made in the page, for dispatching real drag-and-drop events. */
function dataTransferOf(page: Page, files: { name: string; type: string; bytes: Buffer }[]) {
  return page.evaluateHandle(
    (list) => {
      const data = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
        data.items.add(new File([bytes], f.name, { type: f.type }));
      }
      return data;
    },
    files.map((f) => ({ name: f.name, type: f.type, base64: f.bytes.toString('base64') })),
  );
}

/** Starts a contributor tab, agreeing to what it runs first. */
async function startContributor(page: Page) {
  await page.goto('/contribute');
  await expect(page.getByTestId('adapter')).toContainText(/\S/);
  await giveConsent(page);
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('contributor-status')).toHaveText('running');
}

/**
 * The preview's pixels as the page shows them, read back through a canvas, with their version. The page
 * swaps the image's source as versions arrive; a read that lands mid-swap is tried again.
 */
async function previewPixels(preview: Locator) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readPreview(preview);
    } catch (error) {
      if (attempt >= 20 || !/decode/i.test(String(error))) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function readPreview(preview: Locator) {
  return preview.evaluate(async (img: HTMLImageElement) => {
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D context');
    context.drawImage(img, 0, 0);
    return {
      version: Number(img.dataset.version),
      pixels: Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data),
    };
  });
}

test('a requestor drops a scene, creates a job and watches it converge: preview, heatmap, throughput, ETA, downloads', async ({
  gpuContext,
}, testInfo) => {
  const dashboard = await gpuContext.newPage();
  await dashboard.goto('/jobs');
  await expect(dashboard.getByRole('heading', { name: 'Render a scene' })).toBeVisible();
  await attachScreenshot(dashboard, testInfo, 'jobs page, 1280 px');

  // Files dropped beside the drop zone are caught, not opened by the browser.
  const zone = dashboard.getByTestId('scene-dropzone');
  const scene = await dataTransferOf(dashboard, [
    { name: 'ShapeCollection.glb', type: 'model/gltf-binary', bytes: readFileSync(SCENE) },
  ]);
  await dashboard
    .getByRole('heading', { name: 'New render job' })
    .dispatchEvent('drop', { dataTransfer: scene });
  await expect(dashboard.getByTestId('scene-upload-error')).toContainText('dropped beside the upload box');
  await expect(dashboard).toHaveURL(/\/jobs$/);

  // Dragging over the zone highlights it; dropping uploads the scene and selects it.
  await zone.dispatchEvent('dragenter', { dataTransfer: scene });
  await zone.dispatchEvent('dragover', { dataTransfer: scene });
  await expect(zone).toHaveClass(/dropzone--over/);
  await expect(zone).toContainText('Drop to upload');
  await zone.dispatchEvent('drop', { dataTransfer: scene });
  await expect(dashboard.getByTestId('scene-upload-done')).toContainText('ShapeCollection');
  await expect(zone).not.toHaveClass(/dropzone--over/);
  await expect(dashboard.getByTestId('scene-upload-error')).toHaveCount(0);
  const select = dashboard.getByTestId('scene-select');
  await expect(select).toHaveValue(/^[0-9a-f]{64}$/);
  const hash = await select.inputValue();
  // The preflight thumbnail renders the dropped scene in this browser.
  await expect(dashboard.getByTestId('scene-preflight')).toHaveAttribute('data-rendered-scene', hash, {
    timeout: 120_000,
  });
  await expect(dashboard.getByTestId('scene-preflight-status')).toHaveText('done');

  // The form says what the job will take before it exists, unpaid too.
  await dashboard.getByLabel('Width').fill(String(JOB.width));
  await dashboard.getByLabel('Height').fill(String(JOB.height));
  await dashboard.getByLabel('Samples per pixel').fill(String(JOB.spp));
  await dashboard.getByText('Advanced').click();
  await dashboard.getByLabel('Tile size').fill(String(JOB.tileSize));
  await dashboard.getByLabel('Samples per unit').fill(String(JOB.samplesPerUnit));
  await expect(dashboard.getByTestId('plan-units')).toHaveText(
    String((TILES * JOB.spp) / JOB.samplesPerUnit),
  );
  await expect(dashboard.getByTestId('plan-pixel-samples')).toHaveText('98.3 k');
  await expect(dashboard.getByTestId('plan-price')).toContainText('free');
  await attachScreenshot(dashboard, testInfo, 'jobs page with an uploaded scene');

  await dashboard.getByRole('button', { name: 'Create job' }).click();
  await dashboard.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  const jobId = dashboard.url().split('/').pop() as string;

  // Nobody renders it yet: the page says so and what to do.
  await expect(dashboard.getByTestId('job-headline')).toContainText('Waiting for contributors');
  await expect(dashboard.getByTestId('headline-contribute')).toHaveAttribute('href', '/contribute');
  await expect(dashboard.getByTestId('job-eta')).toHaveText('waiting for contributors');
  await attachScreenshot(dashboard, testInfo, 'job page, waiting for contributors');

  const contributors = [await gpuContext.newPage(), await gpuContext.newPage()];
  for (const page of contributors) await startContributor(page);
  await dashboard.bringToFront();

  // The live preview changes as samples arrive: two readings of its pixels, versions apart, differ.
  const preview = dashboard.getByTestId('job-preview');
  await expect
    .poll(async () => Number(await preview.getAttribute('data-version')), { timeout: 120_000 })
    .toBeGreaterThan(0);
  const first = await previewPixels(preview);
  const firstShot = await dashboard.locator('.preview').screenshot();
  // Early versions may only add submissions waiting for their checks: read again, as versions arrive, until
  // the accumulated image itself has moved on.
  const changedPixels = (later: typeof first) => {
    let count = 0;
    for (let i = 0; i < later.pixels.length; i += 4) {
      if (
        later.pixels[i] !== first.pixels[i] ||
        later.pixels[i + 1] !== first.pixels[i + 1] ||
        later.pixels[i + 2] !== first.pixels[i + 2]
      ) {
        count++;
      }
    }
    return count;
  };
  let second = first;
  let changed = 0;
  await expect
    .poll(
      async () => {
        second = await previewPixels(preview);
        changed = changedPixels(second);
        return changed;
      },
      { timeout: 150_000, intervals: [500] },
    )
    .toBeGreaterThan(0);
  const secondShot = await dashboard.locator('.preview').screenshot();
  await testInfo.attach('preview, earlier', { body: firstShot, contentType: 'image/png' });
  await testInfo.attach('preview, later', { body: secondShot, contentType: 'image/png' });
  expect(second.pixels.length).toBe(JOB.width * JOB.height * 4);
  expect(second.version).toBeGreaterThan(first.version);
  console.log(
    `preview v${first.version} -> v${second.version}: ${changed} of ${JOB.width * JOB.height} pixels changed`,
  );
  expect(firstShot.equals(secondShot)).toBe(false);

  // While it renders: an ETA from the observed throughput, and the headline says how far it is.
  await expect(dashboard.getByTestId('job-eta')).toHaveText(/about .+ left|finishing…/, { timeout: 60_000 });
  await expect(dashboard.getByTestId('job-headline')).toContainText(
    /Rendering: \d+ % done|Waiting for checks/,
  );

  // The throughput chart has data, with its summary in words.
  const chart = dashboard.getByTestId('throughput-chart');
  await expect(chart).toBeVisible();
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
  await expect(dashboard.getByTestId('throughput-summary')).toContainText(/Now .+ px-samples\/s, peak/);

  // The tile heatmap over the preview: one cell per tile, some with samples, a legend, keyboard reachable.
  const toggle = dashboard.getByRole('button', { name: 'Tile heatmap' });
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  const cells = dashboard.getByTestId('tile-heatmap').getByTestId('tile-verification');
  await expect(cells).toHaveCount(TILES);
  await expect(dashboard.getByTestId('heatmap-legend')).toContainText(`bright ${JOB.spp}`);
  await expect
    .poll(async () => {
      const done = await cells.evaluateAll((els) =>
        els.map((el) => Number(el.getAttribute('data-samples-done'))),
      );
      return done.filter((n) => n > 0).length;
    })
    .toBeGreaterThan(0);
  await cells.first().focus();
  await dashboard.keyboard.press('ArrowRight');
  await expect(dashboard.getByTestId('tile-verification-detail')).toContainText('Tile 1 at (16, 0)');
  await expect(dashboard.getByTestId('heatmap-summary')).toContainText(/checked so far|failed check/);
  await attachScreenshot(dashboard, testInfo, 'job page while rendering, heatmap on, 1280 px');

  // The same page on a phone: nothing scrolls sideways.
  await dashboard.setViewportSize({ width: 375, height: 800 });
  await expectNoSidewaysScroll(dashboard);
  await attachScreenshot(dashboard, testInfo, 'job page while rendering, 375 px');
  await dashboard.setViewportSize({ width: 1280, height: 900 });

  // The list shows the job's progress and ETA too.
  const list = await gpuContext.newPage();
  await list.goto('/jobs');
  const row = list.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
  await expect(row.getByRole('progressbar')).toBeVisible();
  await expect(row.getByTestId('job-row-eta')).toHaveText(
    /about .+ left|estimating…|finishing…|done in|waiting/,
  );
  await attachScreenshot(list, testInfo, 'jobs list while rendering');
  await list.close();

  // Done: the page says so, and both downloads are the image.
  await expect(dashboard.getByTestId('job-status')).toHaveText('done', { timeout: 180_000 });
  await expect(dashboard.getByTestId('job-headline')).toContainText('Done: your image is ready');
  await expect(dashboard.getByTestId('headline-downloads')).toHaveAttribute('href', '#downloads');
  await expect(dashboard.getByTestId('job-eta')).not.toBeEmpty();
  const job = (await (await dashboard.request.get(`/api/jobs/${jobId}`)).json()) as JobView;
  expect(job.spec).toMatchObject({ sceneHash: hash, width: JOB.width, height: JOB.height });
  const downloads = dashboard.getByTestId('job-downloads');
  await expect(downloads).toContainText('To view and share');
  await expect(downloads).toContainText('To keep working on it');
  const png = decode(
    await downloadBytes(dashboard, () => downloads.getByRole('link', { name: 'Download PNG' }).click()),
  );
  expect([png.width, png.height]).toEqual([JOB.width, JOB.height]);
  const pfm = decodePfm(
    await downloadBytes(dashboard, () =>
      downloads.getByRole('link', { name: /Download linear float/ }).click(),
    ),
  );
  expect([pfm.width, pfm.height]).toEqual([JOB.width, JOB.height]);
  expect(pfm.rgb.every(Number.isFinite)).toBe(true);
  expect(pfm.rgb.some((v) => v > 0.01)).toBe(true);
  await expect(dashboard.getByTestId('throughput-summary')).toContainText('Finished in');
  await attachScreenshot(dashboard, testInfo, 'job page, done');
});

test('the claims page says what to do at a glance, on a desktop and on a phone', async ({
  gpuContext,
}, testInfo) => {
  const page = await gpuContext.newPage();
  await page.goto('/claims');
  await expect(page.getByRole('heading', { name: 'Claims' })).toBeVisible();
  await expect(page.getByLabel('Look up an address')).toBeVisible();
  await attachScreenshot(page, testInfo, 'claims page, 1280 px');

  // An address with nothing earned says how to earn.
  await page.getByLabel('Look up an address').fill('0x000000000000000000000000000000000000dEaD');
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByTestId('claims-claimable')).toBeVisible();
  await expect(page.getByText(/Nothing earned yet/)).toBeVisible();

  await page.setViewportSize({ width: 375, height: 800 });
  await expectNoSidewaysScroll(page);
  await attachScreenshot(page, testInfo, 'claims page, 375 px');
});
