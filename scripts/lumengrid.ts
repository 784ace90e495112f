/**
 * `npm run lumengrid -- submit scene.glb --width 256 --height 256 --spp 64 --wait --out image.exr`: the
 * requestor's side of the farm for scripts. Uploads a scene, creates a free job, follows it and downloads the
 * image, through the same HTTP client as the dashboard (lib/client/api.ts). Exit status: 0 done, 1 the
 * coordinator refused or could not be reached (its message and next steps are printed), 2 bad usage.
 */
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import {
  ApiError,
  createJob,
  fetchJobImage,
  getJob,
  IMAGE_FORMATS,
  type ImageFormat,
  isNetworkError,
  type RequestOptions,
  uploadScene,
} from '../lib/client/api';
import type { JobView } from '../lib/protocol/api-types';
import { BUILT_IN_SCENES } from '../lib/protocol/job-spec';

const USAGE = `Usage: npm run lumengrid -- <command> [options]

Commands:
  submit SCENE            upload SCENE (a .glb, or a .gltf with its files) or name a built-in scene
                          (${BUILT_IN_SCENES.join(', ')}), and create a free job; prints its id
  status JOB_ID           print a job's progress
  download JOB_ID         download a job's image (needs --out)

Options:
  --url URL               the coordinator (default http://localhost:3000)
  --width N --height N    image size in pixels (submit; required)
  --spp N                 samples per pixel (submit; required)
  --bounces N             longest light path (submit; default 6)
  --seed N                random seed (submit)
  --wait                  follow the job until it is done, printing progress (submit, status)
  --out FILE              write the image to FILE once done; the format is its extension: .exr, .pfm, .png
  --timeout SECONDS       give up waiting after this long (exit 1)
  --help                  print this and exit`;

class UsageError extends Error {}

const POLL_MS = 1000;

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'http://localhost:3000' },
      width: { type: 'string' },
      height: { type: 'string' },
      spp: { type: 'string' },
      bounces: { type: 'string' },
      seed: { type: 'string' },
      wait: { type: 'boolean', default: false },
      out: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
}

/** A whole number option; the coordinator checks the ranges and names what to fix. */
function whole(name: string, value: string | undefined, required: boolean): number | undefined {
  if (value === undefined) {
    if (required) throw new UsageError(`--${name} is required`);
    return undefined;
  }
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, not "${value}"`);
  return Number(value);
}

function formatOf(out: string): ImageFormat {
  const ext = extname(out).slice(1).toLowerCase();
  if (!(IMAGE_FORMATS as readonly string[]).includes(ext)) {
    throw new UsageError(
      `--out ${out}: the extension names the format, one of .${IMAGE_FORMATS.join(', .')}`,
    );
  }
  return ext as ImageFormat;
}

/**
 * The files of a scene on disk: a .glb alone, or a .gltf with the buffers and images it names by relative
 * URI (data: URIs are inside it already).
 */
async function sceneFiles(path: string): Promise<File[]> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read the scene ${path}: ${error.code ?? error.message}`);
  });
  const files = [new File([bytes], basename(path))];
  if (extname(path).toLowerCase() !== '.gltf') return files;
  let gltf: { buffers?: { uri?: string }[]; images?: { uri?: string }[] };
  try {
    gltf = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UsageError(`${path} is not valid glTF JSON`);
  }
  const uris = [...(gltf.buffers ?? []), ...(gltf.images ?? [])]
    .map((entry) => entry.uri)
    .filter((uri): uri is string => typeof uri === 'string' && !uri.startsWith('data:'));
  for (const uri of new Set(uris)) {
    const name = decodeURIComponent(uri);
    const file = await readFile(join(dirname(path), name)).catch(() => {
      throw new UsageError(`${path} names ${name}, which is not next to it`);
    });
    files.push(new File([file], name));
  }
  return files;
}

function progressLine(job: JobView): string {
  const share = job.pixelSamplesTotal > 0 ? job.pixelSamplesDone / job.pixelSamplesTotal : 0;
  const verifying = job.verification.unitsVerifying ? `, ${job.verification.unitsVerifying} verifying` : '';
  return `${job.id} ${job.status}: ${job.unitsDone}/${job.unitsTotal} units, ${(share * 100).toFixed(1)} % of samples${verifying}`;
}

/** Polls the job until it is done, printing a line whenever its progress changes. */
async function waitUntilDone(id: string, options: RequestOptions, deadline: number | null): Promise<JobView> {
  let last = '';
  for (;;) {
    const job = await getJob(id, options);
    const line = progressLine(job);
    if (line !== last) {
      console.log(line);
      last = line;
    }
    if (job.status === 'done') return job;
    if (deadline !== null && Date.now() > deadline) {
      throw new ApiError(0, `Job ${id} is not done after --timeout`, [
        `Follow it with: npm run lumengrid -- status ${id} --wait`,
      ]);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Streams the image to a temporary file beside `out`, then renames it: no half-written image is left. */
async function download(id: string, out: string, options: RequestOptions): Promise<void> {
  const format = formatOf(out);
  const response = await fetchJobImage(id, format, options);
  const partial = `${out}.part`;
  try {
    await pipeline(
      Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
      createWriteStream(partial),
    );
    await rename(partial, out);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  console.log(`wrote ${out}`);
}

async function main(): Promise<void> {
  const { values, positionals } = parse();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [command, target, ...rest] = positionals;
  if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const base = (values.url ?? '').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) throw new UsageError(`--url must be an http(s) URL, not "${values.url}"`);
  const options: RequestOptions = {
    fetch: (input, init) =>
      fetch(typeof input === 'string' && input.startsWith('/') ? `${base}${input}` : input, init),
  };
  const timeout = whole('timeout', values.timeout, false);
  const deadline = timeout === undefined ? null : Date.now() + timeout * 1000;
  if (values.out) formatOf(values.out);
  if (!target) throw new UsageError(command ? `${command} needs an argument` : 'name a command');

  if (command === 'submit') {
    const request = {
      width: whole('width', values.width, true) as number,
      height: whole('height', values.height, true) as number,
      samplesPerPixel: whole('spp', values.spp, true) as number,
      maxBounces: whole('bounces', values.bounces, false),
      seed: whole('seed', values.seed, false),
    };
    let scene = target;
    if (!(BUILT_IN_SCENES as readonly string[]).includes(target)) {
      // Named as the dashboard names an upload: the file name without its extension.
      const summary = await uploadScene(await sceneFiles(target), basename(target, extname(target)), options);
      for (const warning of summary.warnings) console.warn(`scene warning: ${warning}`);
      console.log(`uploaded ${summary.name}: ${summary.hash}`);
      scene = summary.hash;
    }
    const job = await createJob({ scene, ...request }, options);
    console.log(`job ${job.id}: ${base}/jobs/${job.id}`);
    if (!values.wait && !values.out) return;
    await waitUntilDone(job.id, options, deadline);
    if (values.out) await download(job.id, values.out, options);
    return;
  }
  if (command === 'status') {
    const job = values.wait ? await waitUntilDone(target, options, deadline) : await getJob(target, options);
    if (!values.wait) console.log(progressLine(job));
    if (values.out) await download(target, values.out, options);
    return;
  }
  if (command === 'download') {
    if (!values.out) throw new UsageError('download needs --out FILE (.exr, .pfm or .png)');
    if (values.wait) await waitUntilDone(target, options, deadline);
    await download(target, values.out, options);
    return;
  }
  throw new UsageError(`unknown command "${command}"`);
}

try {
  await main();
} catch (error) {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof ApiError) {
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
  if (isNetworkError(error)) {
    console.error(
      `error: cannot reach the coordinator (${(error as Error).message}).\nStart it with npm start, or pass --url.`,
    );
    process.exit(1);
  }
  console.error(error);
  process.exit(1);
}
