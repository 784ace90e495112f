import { decode } from 'fast-png';
import { SESSION_STORAGE_KEY } from '../lib/contributor/session';
import type { ContributorView, JobView } from '../lib/protocol/api-types';
import { CHANNEL, RESULT_CHANNELS } from '../lib/protocol/result-layout';
import { decodePfm } from '../lib/render/pfm';
import { downloadBytes, expect, giveConsent, test } from './fixtures';

const JOB = {
  width: 64,
  height: 64,
  spp: 16,
  tileSize: 32,
  samplesPerUnit: 4,
  seed: 20261122,
  maxBounces: 6,
};

test('a job created on the dashboard is rendered by two contributor tabs, exactly and completely', async ({
  gpuContext,
}) => {
  // Two contributors, each its own tab (its own session), started before there is work.
  const contributors = [await gpuContext.newPage(), await gpuContext.newPage()];
  for (const page of contributors) {
    await page.goto('/contribute');
    await expect(page.getByTestId('adapter')).toContainText(/\S/);
    await giveConsent(page);
    await page.getByRole('button', { name: 'Start' }).click();
    await expect(page.getByTestId('contributor-status')).toHaveText('running');
  }

  // The requestor creates the job on the dashboard.
  const dashboard = await gpuContext.newPage();
  await dashboard.goto('/jobs');
  await dashboard.getByLabel('Width').fill(String(JOB.width));
  await dashboard.getByLabel('Height').fill(String(JOB.height));
  await dashboard.getByLabel('Samples per pixel').fill(String(JOB.spp));
  await dashboard.getByText('Advanced').click();
  await dashboard.getByLabel('Tile size').fill(String(JOB.tileSize));
  await dashboard.getByLabel('Samples per unit').fill(String(JOB.samplesPerUnit));
  await dashboard.getByLabel('Max bounces').fill(String(JOB.maxBounces));
  await dashboard.getByLabel('Seed').fill(String(JOB.seed));
  await dashboard.getByRole('button', { name: 'Create job' }).click();
  await dashboard.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  const jobId = dashboard.url().split('/').pop() as string;

  // The job converges live and completes.
  await expect(dashboard.getByTestId('job-status')).toHaveText('done', { timeout: 180_000 });
  await expect(dashboard.getByTestId('job-progress')).toContainText('16 / 16');
  await expect(dashboard.getByTestId('job-preview')).toHaveAttribute('src', /version|v=\d+/);

  const job = (await (await dashboard.request.get(`/api/jobs/${jobId}`)).json()) as JobView;
  expect(job).toMatchObject({
    status: 'done',
    unitsDone: 16,
    unitsTotal: 16,
    pixelSamplesDone: 64 * 64 * 16,
  });
  expect(job.spec).toMatchObject({
    seed: JOB.seed,
    tileSize: JOB.tileSize,
    samplesPerUnit: JOB.samplesPerUnit,
  });

  // Every unit was spot-checked by the other tab (each session is on probation: two checks need two other
  // sessions, or one check and... here only one other tab exists, so each unit got its checks from it) and
  // every check agreed: the two tabs render bit-identically on one adapter.
  expect(job.tiles.every((tile) => tile.checksPassed >= 1 && tile.checksFailed === 0)).toBe(true);
  expect(job.verification).toMatchObject({ unitsRejected: 0, unitsVerifying: 0 });
  await expect(dashboard.getByTestId('verification-summary')).toBeVisible();
  // The checks by tile live on the image's heatmap, shown on demand.
  await dashboard.getByRole('button', { name: 'Tile heatmap' }).click();
  await expect(dashboard.getByTestId('tile-verification')).toHaveCount(job.tiles.length);

  // Each tab's verified units of this job, as the coordinator records them: together every unit once. (A
  // tab may also have verified a unit of an earlier spec's job that it picked up after its lease lapsed.)
  const verifiedHere = () =>
    Promise.all(
      contributors.map(async (p) => {
        const session = await p.evaluate((key) => sessionStorage.getItem(key), SESSION_STORAGE_KEY);
        const view = (await (await p.request.get(`/api/contributors/${session}`)).json()) as ContributorView;
        return view.units.filter((u) => u.jobId === jobId && u.verdict === 'accepted').length;
      }),
    );
  await expect
    .poll(async () => (await verifiedHere()).reduce((a, b) => a + b, 0), { timeout: 20_000 })
    .toBe(16);
  // ...and each tab shows at least those as its verified units.
  const mine = await verifiedHere();
  for (const [i, page] of contributors.entries()) {
    await expect
      .poll(async () => Number(await page.getByTestId('units-verified').textContent()))
      .toBeGreaterThanOrEqual(mine[i] as number);
  }
  console.log(`verified units of this job per contributor tab: ${mine.join(' + ')}`);

  // Every pixel received exactly the requested samples, and nothing is NaN.
  const raw = await (await dashboard.request.get(`/api/jobs/${jobId}/accumulation`)).body();
  const sums = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  expect(sums.length).toBe(64 * 64 * RESULT_CHANNELS);
  for (let p = 0; p < 64 * 64; p++) {
    expect(sums[p * RESULT_CHANNELS + CHANNEL.count]).toBe(JOB.spp);
  }
  expect(sums.every(Number.isFinite)).toBe(true);

  // The assembled image equals a reference rendered in one piece, same shader and seeds, in one browser.
  const reference = await gpuContext.newPage();
  const query = `scene=cornell&width=64&height=64&spp=${JOB.spp}&seed=${JOB.seed}&maxBounces=${JOB.maxBounces}`;
  await reference.goto(`/render?${query}`);
  await expect(reference.getByTestId('local-render-status')).toHaveText('done', { timeout: 120_000 });
  const referencePfm = decodePfm(
    await downloadBytes(reference, () => reference.getByText('Download PFM').click()),
  );
  const farmPfm = decodePfm(
    await downloadBytes(dashboard, () =>
      dashboard.getByRole('link', { name: /Download linear float/ }).click(),
    ),
  );
  expect([farmPfm.width, farmPfm.height]).toEqual([64, 64]);
  let worst = 0;
  let lit = 0;
  for (let i = 0; i < referencePfm.rgb.length; i++) {
    const a = referencePfm.rgb[i] as number;
    const b = farmPfm.rgb[i] as number;
    worst = Math.max(worst, Math.abs(a - b) / Math.max(1e-3, Math.abs(a)));
    if (a > 0.01) lit++;
  }
  console.log(`farm vs one-piece reference: worst relative difference ${worst.toExponential(2)}`);
  expect(lit).toBeGreaterThan(64 * 64 * 0.5); // a real image, not two matching blanks
  expect(worst).toBeLessThan(1e-4); // float32 summation order is the only difference

  // The requestor downloads the finished image as PNG.
  const png = decode(
    await downloadBytes(dashboard, () => dashboard.getByRole('link', { name: 'Download PNG' }).click()),
  );
  expect([png.width, png.height]).toEqual([64, 64]);
});
