import { decode } from 'fast-png';
import { downloadBytes, expect, giveConsent, test } from './fixtures';

/** Mean of |difference| between horizontally neighbouring pixels' green channel: grain makes it large. */
function roughness(png: Uint8Array): { width: number; height: number; mean: number; grain: number } {
  const image = decode(png);
  const channels = image.channels;
  const data = image.data;
  let sum = 0;
  let grain = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const g = data[(y * image.width + x) * channels + 1] as number;
      sum += g;
      if (x > 0) grain += Math.abs(g - (data[(y * image.width + x - 1) * channels + 1] as number));
    }
  }
  return {
    width: image.width,
    height: image.height,
    mean: sum / (image.width * image.height),
    grain: grain / ((image.width - 1) * image.height),
  };
}

// The requestor's denoised preview: made in the requestor's browser (its own worker and WebGPU device) from
// the farm's sums and the scene, labelled as denoised, downloadable, and never sent back to the coordinator.
test('a requestor turns on the denoised preview of a grainy render and downloads it', async ({
  gpuContext,
  request,
}) => {
  const created = await request.post('/api/jobs', {
    data: { scene: 'cornell', width: 48, height: 48, samplesPerPixel: 4, tileSize: 48, seed: 7 },
  });
  expect(created.status()).toBe(201);
  const job = (await created.json()) as { id: string };

  const contributor = await gpuContext.newPage();
  await contributor.goto('/contribute');
  await giveConsent(contributor);
  await contributor.getByRole('button', { name: 'Start' }).click();

  const page = await gpuContext.newPage();
  await page.goto(`/jobs/${job.id}`);
  await expect(page.getByTestId('job-status')).toHaveText('done', { timeout: 180_000 });
  await contributor.close();

  const writes: string[] = [];
  page.on('request', (r) => {
    if (r.method() !== 'GET' && r.method() !== 'HEAD') writes.push(`${r.method()} ${r.url()}`);
  });
  await page.getByTestId('denoise-toggle').click();
  const image = page.getByTestId('denoised-image');
  await expect(image).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('job-denoised').getByText('Denoised preview').first()).toBeVisible();

  const denoised = roughness(
    await downloadBytes(page, () => page.getByTestId('download-denoised-png').click()),
  );
  const farm = roughness(new Uint8Array(await (await request.get(`/api/jobs/${job.id}/image.png`)).body()));
  expect([denoised.width, denoised.height]).toEqual([48, 48]);
  // Smoother than the 4-spp farm image, and as bright (tone-mapped 8-bit, so a looser bound than 1 %).
  expect(denoised.grain).toBeLessThan(farm.grain * 0.7);
  expect(Math.abs(denoised.mean / farm.mean - 1)).toBeLessThan(0.05);
  // Nothing denoised went to the coordinator.
  expect(writes).toEqual([]);
});
