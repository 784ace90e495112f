import { decode } from 'fast-png';
import { unzipSync } from 'fflate';
import type { JobView } from '../lib/protocol/api-types';
import { decodePfm } from '../lib/render/pfm';
import { downloadBytes, expect, giveConsent, test } from './fixtures';

// Named after render-job.spec.ts on purpose: e2e files run in name order, and bad-input.spec.ts must come
// before anything the trusted verifier leases (see the note there).
const FRAMES = { start: 0, end: 2 };
const SIZE = 32;
const SPP = 4;

test('an animation made on the dashboard is rendered frame by frame by two contributor tabs', async ({
  gpuContext,
}) => {
  const contributors = [await gpuContext.newPage(), await gpuContext.newPage()];
  for (const page of contributors) {
    await page.goto('/contribute');
    await expect(page.getByTestId('adapter')).toContainText(/\S/);
    await giveConsent(page);
    await page.getByRole('button', { name: 'Start' }).click();
    await expect(page.getByTestId('contributor-status')).toHaveText('running');
  }

  // A 3-frame turntable of the built-in scene, asked for on the dashboard.
  const dashboard = await gpuContext.newPage();
  await dashboard.goto('/jobs');
  await dashboard.getByLabel('Width').fill(String(SIZE));
  await dashboard.getByLabel('Height').fill(String(SIZE));
  await dashboard.getByLabel('Samples per pixel').fill(String(SPP));
  await dashboard.getByLabel('First frame').fill(String(FRAMES.start));
  await dashboard.getByLabel('Last frame').fill(String(FRAMES.end));
  await dashboard.getByLabel('Turntable (degrees)').fill('90');
  await dashboard.getByRole('button', { name: 'Create job' }).click();
  await dashboard.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  const jobId = dashboard.url().split('/').pop() as string;

  // The frame strip shows every frame, and each completes.
  await expect(dashboard.getByTestId('job-status')).toHaveText('done', { timeout: 200_000 });
  const strip = dashboard.getByTestId('job-frames');
  await expect(strip.getByTestId('job-frame')).toHaveCount(3);
  await expect(strip.locator('[data-testid="job-frame"][data-done="true"]')).toHaveCount(3);

  // Credit is exactly frames x pixels x spp: no frame is skipped or counted twice.
  const job = (await (await dashboard.request.get(`/api/jobs/${jobId}`)).json()) as JobView;
  expect(job.pixelSamplesDone).toBe(3 * SIZE * SIZE * SPP);
  expect(job.verification).toMatchObject({ unitsRejected: 0, unitsVerifying: 0 });

  // Each frame is its own image, and a turntable moves: consecutive frames differ.
  const frames = [];
  for (let f = FRAMES.start; f <= FRAMES.end; f++) {
    const res = await dashboard.request.get(`/api/jobs/${jobId}/frames/${f}/image.pfm`);
    expect(res.status()).toBe(200);
    frames.push(decodePfm(new Uint8Array(await res.body())));
  }
  for (let f = 1; f < frames.length; f++) {
    const a = frames[f - 1]?.rgb as Float32Array;
    const b = frames[f]?.rgb as Float32Array;
    let differing = 0;
    for (let i = 0; i < a.length; i++) if (Math.abs((a[i] as number) - (b[i] as number)) > 1e-3) differing++;
    expect(differing).toBeGreaterThan(a.length * 0.05);
  }
  // A frame outside the range is a clear 404.
  expect((await dashboard.request.get(`/api/jobs/${jobId}/frames/3/image.png`)).status()).toBe(404);

  // The zip from the strip holds every frame's PNG at full size.
  const zip = unzipSync(
    await downloadBytes(dashboard, () => strip.getByRole('link', { name: /Download every frame/ }).click()),
  );
  const names = Object.keys(zip).sort();
  expect(names).toHaveLength(3);
  for (const name of names) {
    const png = decode(zip[name] as Uint8Array);
    expect([png.width, png.height]).toEqual([SIZE, SIZE]);
  }
});
