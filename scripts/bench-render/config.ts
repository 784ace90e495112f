/**
 * The benchmark's settings, from environment variables. Defaults fit a 2-core machine rendering on
 * SwiftShader in well under ten minutes; on a real GPU raise the sizes and sample counts (e.g.
 * BENCH_SIZE=512 BENCH_SPP=64 BENCH_ERROR_SIZE=256 BENCH_ERROR_SPP=256 BENCH_REF_SPP=16384).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_IN_SCENES, type BuiltInSceneId } from '../../lib/protocol/job-spec';

export interface BenchConfig {
  /** Speed runs: image size (square) and timed samples per pixel after `warmupSpp`. */
  size: number;
  spp: number;
  warmupSpp: number;
  maxBounces: number;
  /** Scenes timed for speed; the first two are reported as the demo and the mesh scene. */
  scenes: BuiltInSceneId[];
  /** Image-error runs on 'cornell': image size (square) and the peer's samples per pixel. */
  errorSize: number;
  errorSpp: number;
  /** The reference image's samples per pixel (rendered once by our renderer in Node, then cached). */
  refSpp: number;
  /** Where the log, the PNGs and the cached reference go. */
  outDir: string;
  chromium: string;
  /** Skip three-gpu-pathtracer (its shader compile alone takes 1.5 to 2 minutes on SwiftShader). */
  skipPeer: boolean;
}

/** A whole number from environment variable `name`, or `fallback` when unset; out of range is an error. */
export function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${raw}: expected a whole number in [${min}, ${max}]`);
  }
  return value;
}

function scenesFromEnv(): BuiltInSceneId[] {
  const raw = process.env.BENCH_SCENES;
  if (!raw) return ['cornell', 'dense'];
  const ids = raw.split(',').map((s) => s.trim());
  for (const id of ids) {
    if (!(BUILT_IN_SCENES as readonly string[]).includes(id)) {
      throw new Error(`BENCH_SCENES: '${id}' is not one of ${BUILT_IN_SCENES.join(', ')}`);
    }
  }
  return ids as BuiltInSceneId[];
}

export function readConfig(): BenchConfig {
  return {
    size: intFromEnv('BENCH_SIZE', 128, 8, 4096),
    spp: intFromEnv('BENCH_SPP', 8, 1, 65_536),
    warmupSpp: intFromEnv('BENCH_WARMUP_SPP', 2, 1, 1024),
    maxBounces: intFromEnv('BENCH_BOUNCES', 5, 1, 16),
    scenes: scenesFromEnv(),
    errorSize: intFromEnv('BENCH_ERROR_SIZE', 32, 8, 1024),
    errorSpp: intFromEnv('BENCH_ERROR_SPP', 256, 4, 65_536),
    refSpp: intFromEnv('BENCH_REF_SPP', 2048, 16, 1 << 20),
    outDir: process.env.BENCH_OUT || join(tmpdir(), 'lumengrid-bench-render'),
    chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    skipPeer: process.env.BENCH_SKIP_PEER === '1',
  };
}
