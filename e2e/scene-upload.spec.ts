import { join } from 'node:path';
import type { JobView, SceneSummary } from '../lib/protocol/api-types';
import { DEFAULT_ENVIRONMENT } from '../lib/protocol/render-task';
import { CHANNEL, RESULT_CHANNELS } from '../lib/protocol/result-layout';
import { expect, giveConsent, test } from './fixtures';

// A requestor brings their own glTF scene: upload, summary, a preflight render in their own browser, and a
// job on it rendered by the farm. Small sizes throughout: SwiftShader is slow.

const SCENES = join(import.meta.dirname, 'fixtures', 'scenes');
const BOX_TEXTURED = ['BoxTextured.gltf', 'BoxTextured0.bin', 'CesiumLogoFlat.png'].map((name) =>
  join(SCENES, 'BoxTextured', name),
);
const JOB = { width: 48, height: 48, spp: 4, tileSize: 24 };

test('an uploaded textured glTF gets a preflight preview and renders exactly on the farm', async ({
  gpuContext,
}) => {
  const dashboard = await gpuContext.newPage();
  await dashboard.goto('/jobs');
  await dashboard.getByLabel('Upload a glTF scene').setInputFiles(BOX_TEXTURED);

  // The coordinator's summary of what it imported; the new scene is selected for the job.
  await expect(dashboard.getByTestId('scene-upload-done')).toContainText('BoxTextured');
  const select = dashboard.getByTestId('scene-select');
  await expect(select).toHaveValue(/^[0-9a-f]{64}$/);
  const hash = await select.inputValue();
  await expect(select.locator('option:checked')).toHaveText(`BoxTextured · ${hash.slice(0, 12)}`);
  const summary = dashboard.getByTestId('scene-summary');
  await expect(summary.getByTestId('scene-triangles')).toHaveText('12');
  await expect(summary.getByTestId('scene-textures')).toHaveText('1');
  await expect(summary.getByTestId('scene-materials')).toHaveText('1');
  await expect(summary.getByTestId('scene-hash')).toHaveText(hash.slice(0, 12));
  await expect(summary.getByTestId('scene-hash')).toHaveAttribute('title', hash);
  await expect(summary.getByTestId('scene-warnings')).toContainText('no lights');

  // The preflight renders this scene in this browser, and shows more than a blank.
  const preflight = dashboard.getByTestId('scene-preflight');
  await expect(preflight).toHaveAttribute('data-rendered-scene', hash, { timeout: 120_000 });
  await expect(dashboard.getByTestId('scene-preflight-status')).toHaveText('done');
  await expect(dashboard.getByText('Preview, 8 samples per pixel — rendered on your GPU')).toBeVisible();
  const colours = await preflight.evaluate((canvas: HTMLCanvasElement) => {
    const context = canvas.getContext('2d');
    if (!context) return 0;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const seen = new Set<number>();
    // Quantised to 4 bits a channel, so that noise alone does not count as colour.
    for (let i = 0; i < data.length; i += 4) {
      seen.add(
        ((data[i] as number) >> 4) * 256 +
          ((data[i + 1] as number) >> 4) * 16 +
          ((data[i + 2] as number) >> 4),
      );
    }
    return seen.size;
  });
  console.log(`preflight: ${colours} distinct colours`);
  expect(colours).toBeGreaterThan(24);

  // A small job on it.
  await dashboard.getByLabel('Width').fill(String(JOB.width));
  await dashboard.getByLabel('Height').fill(String(JOB.height));
  await dashboard.getByLabel('Samples per pixel').fill(String(JOB.spp));
  await dashboard.getByText('Advanced').click();
  await dashboard.getByLabel('Tile size').fill(String(JOB.tileSize));
  await dashboard.getByRole('button', { name: 'Create job' }).click();
  await dashboard.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  const jobId = dashboard.url().split('/').pop() as string;
  await expect(dashboard.getByTestId('job-scene')).toContainText(`BoxTextured ${hash.slice(0, 12)}`);

  // Two contributors: each one's units are verified by the other's spot checks before they count.
  for (let i = 0; i < 2; i++) {
    const contributor = await gpuContext.newPage();
    await contributor.goto('/contribute');
    await expect(contributor.getByTestId('adapter')).toContainText(/\S/);
    await giveConsent(contributor);
    await contributor.getByRole('button', { name: 'Start' }).click();
  }
  await expect(dashboard.getByTestId('job-status')).toHaveText('done', { timeout: 180_000 });

  const job = (await (await dashboard.request.get(`/api/jobs/${jobId}`)).json()) as JobView;
  expect(job.spec).toMatchObject({
    scene: hash,
    sceneHash: hash,
    environment: DEFAULT_ENVIRONMENT, // the upload's default: it has no lights of its own
    width: JOB.width,
    height: JOB.height,
    samplesPerPixel: JOB.spp,
    tileSize: JOB.tileSize,
  });

  // Every pixel received exactly the requested samples, and the image is lit and textured, not flat.
  const raw = await (await dashboard.request.get(`/api/jobs/${jobId}/accumulation`)).body();
  const sums = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const pixels = JOB.width * JOB.height;
  expect(sums.length).toBe(pixels * RESULT_CHANNELS);
  const counts = new Set<number>();
  const levels = new Set<number>();
  for (let p = 0; p < pixels; p++) {
    counts.add(sums[p * RESULT_CHANNELS + CHANNEL.count] as number);
    levels.add(Math.round(((sums[p * RESULT_CHANNELS + CHANNEL.b] as number) / JOB.spp) * 20));
  }
  expect([...counts]).toEqual([JOB.spp]);
  expect(sums.every(Number.isFinite)).toBe(true);
  expect(levels.size).toBeGreaterThan(4);
});

test('a file that is not glTF gets the server’s reason, and no scene is added', async ({ gpuContext }) => {
  const dashboard = await gpuContext.newPage();
  await dashboard.goto('/jobs');
  const select = dashboard.getByTestId('scene-select');
  await expect(select.locator('optgroup[label="Built-in scenes"] option')).toHaveCount(3);
  const optionsBefore = await select.locator('option').count();
  const scenesBefore = (
    (await (await dashboard.request.get('/api/scenes')).json()) as { scenes: SceneSummary[] }
  ).scenes.length;

  const upload = dashboard.getByLabel('Upload a glTF scene');
  const error = dashboard.getByTestId('scene-upload-error');

  // Caught before sending: nothing here is a scene file.
  await upload.setInputFiles({
    name: 'notes.bin',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from('x'),
  });
  await expect(error).toContainText('There is no .glb or .gltf file among notes.bin.');

  // Sent, and refused by the importer with what to do instead.
  await upload.setInputFiles({
    name: 'notes.glb',
    mimeType: 'model/gltf-binary',
    buffer: Buffer.from('These are my notes, not a 3D scene.\n'),
  });
  await expect(error).toContainText('notes.glb is not a binary glTF (.glb) file.');
  await expect(error).toContainText('Lumengrid accepts glTF 2.0');
  await expect(error).toContainText('Blender: File > Export > glTF 2.0');

  await expect(select).toHaveValue('cornell');
  await expect(select.locator('option')).toHaveCount(optionsBefore);
  const scenesAfter = (
    (await (await dashboard.request.get('/api/scenes')).json()) as { scenes: SceneSummary[] }
  ).scenes.length;
  expect(scenesAfter).toBe(scenesBefore);
});

test('a .gltf without its buffer and image names the missing files', async ({ gpuContext }) => {
  const dashboard = await gpuContext.newPage();
  await dashboard.goto('/jobs');
  await dashboard.getByLabel('Upload a glTF scene').setInputFiles(BOX_TEXTURED[0] as string);
  const error = dashboard.getByTestId('scene-upload-error');
  await expect(error).toContainText('BoxTextured.gltf needs BoxTextured0.bin');
  await expect(error).toContainText('CesiumLogoFlat.png');
  await expect(error).toContainText('Select the .gltf file together with its .bin and image files');
  await expect(dashboard.getByTestId('scene-select')).toHaveValue('cornell');
});
