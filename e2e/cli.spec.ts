import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FloatType } from 'three';
import { EXRLoader } from 'three/examples/jsm/loaders/EXRLoader.js';
import { decodePfm } from '../lib/render/pfm';
import { expect, giveConsent, test } from './fixtures';

const run = promisify(execFile);

/** `npm run lumengrid -- …` as a script runs it: the same node flags, against the e2e server. */
function lumengrid(args: string[], baseURL: string) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/lumengrid.ts', ...args, '--url', baseURL], {
    timeout: 200_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
}

test('the command line uploads a glTF, waits for the farm and writes the EXR the server renders', async ({
  gpuContext,
  baseURL,
  request,
}) => {
  const url = baseURL as string;
  const contributor = await gpuContext.newPage();
  await contributor.goto('/contribute');
  await giveConsent(contributor);
  await contributor.getByRole('button', { name: 'Start' }).click();

  const dir = mkdtempSync(join(tmpdir(), 'lumengrid-cli-'));
  try {
    const out = join(dir, 'image.exr');
    const submit = await lumengrid(
      [
        'submit',
        'e2e/fixtures/scenes/BoxTextured/BoxTextured.gltf',
        '--width',
        '16',
        '--height',
        '12',
        '--spp',
        '2',
        '--wait',
        '--out',
        out,
      ],
      url,
    );
    expect(submit.code, submit.stderr).toBe(0);
    expect(submit.stdout).toMatch(/uploaded BoxTextured: [0-9a-f]{64}/);
    expect(submit.stdout).toMatch(/ done: \d+\/\d+ units, 100\.0 % of samples/);
    const jobId = /job ([0-9a-f-]{36})/.exec(submit.stdout)?.[1] as string;

    // The EXR, read by three's EXRLoader, holds exactly the floats of the server's PFM.
    const loader = new EXRLoader();
    loader.setDataType(FloatType);
    const exr = loader.parse(new Uint8Array(readFileSync(out)).buffer);
    expect([exr.width, exr.height]).toEqual([16, 12]);
    const pfm = decodePfm(new Uint8Array(await (await request.get(`/api/jobs/${jobId}/image.pfm`)).body()));
    const data = exr.data as Float32Array;
    const fromExr: number[] = [];
    for (let y = 0; y < 12; y++) {
      for (let x = 0; x < 16; x++)
        fromExr.push(...data.subarray(((11 - y) * 16 + x) * 4, ((11 - y) * 16 + x) * 4 + 3));
    }
    expect(new Float32Array(fromExr)).toEqual(pfm.rgb);
    expect(pfm.rgb.some((v) => v > 0)).toBe(true);

    const status = await lumengrid(['status', jobId], url);
    expect(status.stdout).toContain(`${jobId} done`);
    const png = join(dir, 'image.png');
    expect((await lumengrid(['download', jobId, '--out', png], url)).code).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');

    // Mistakes get the server's reason and a non-zero status.
    const missing = await lumengrid(['status', '00000000-0000-0000-0000-000000000000'], url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No job with id');
    const tooBig = await lumengrid(
      ['submit', 'cornell', '--width', '99999', '--height', '8', '--spp', '1'],
      url,
    );
    expect(tooBig.code).toBe(1);
    expect(tooBig.stderr).toMatch(/width/);
    const badOut = await lumengrid(['download', jobId, '--out', join(dir, 'image.jpg')], url);
    expect(badOut.code).toBe(2);
    expect(badOut.stderr).toContain('.exr, .pfm, .png');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await contributor.close();
  }
});
