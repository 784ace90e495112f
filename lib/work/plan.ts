import { frameCount, type JobSpec, type ParsedJobRequest } from '../protocol/job-spec';
import { JOB_LIMITS } from '../protocol/limits';
import type { Environment } from '../protocol/render-task';
import { replicasOf, tilesOf, tilesPerFrame } from '../protocol/tiles';

/** One tile times one half-open sample range [start, end). */
export interface UnitPlan {
  /** The job's tile row: an animation's frame k (from frames.start) owns rows [k·n, (k+1)·n). */
  tileIndex: number;
  /** An animation's frame number; null for a still. */
  frame: number | null;
  sampleStart: number;
  sampleEnd: number;
  /** For an independent-seed replica: the index in the plan of the unit it replicates. */
  replicaOf?: number;
}

/**
 * Pixel-samples a unit aims for. On a laptop GPU that is well under a second; on SwiftShader a few seconds.
 * Units stay short so a closed tab loses little and the image converges early.
 */
const TARGET_PIXEL_SAMPLES_PER_UNIT = 64 * 64 * 16;

export const DEFAULT_TILE_SIZE = 64;

/** Tile size and samples per unit for a request: its own values, or defaults sized for short units. */
export function planTiling(
  request: Pick<ParsedJobRequest, 'width' | 'height' | 'samplesPerPixel' | 'tileSize' | 'samplesPerUnit'>,
): Pick<JobSpec, 'tileSize' | 'samplesPerUnit'> {
  // 64 px: a spot check of 135 pixels (the default confidence) then costs 3.3 % of a unit; 32 px tiles would
  // cost 13 %. Small images still split into many units by sample range.
  const tileSize = request.tileSize ?? DEFAULT_TILE_SIZE;
  const samplesPerUnit = Math.min(
    request.samplesPerPixel,
    request.samplesPerUnit ?? Math.max(1, Math.floor(TARGET_PIXEL_SAMPLES_PER_UNIT / (tileSize * tileSize))),
  );
  return { tileSize, samplesPerUnit };
}

/** Fills in the defaults of a request and binds it to its resolved scene. */
export function planJob(
  request: ParsedJobRequest,
  scene: { hash: string; defaultEnvironment: Environment },
  randomSeed: () => number,
): JobSpec {
  return {
    scene: request.scene,
    sceneHash: scene.hash,
    environment: request.environment ?? scene.defaultEnvironment,
    ...(request.lens && request.lens.apertureRadius > 0 ? { lens: request.lens } : {}),
    pixelFilter: request.pixelFilter,
    width: request.width,
    height: request.height,
    samplesPerPixel: request.samplesPerPixel,
    maxBounces: request.maxBounces,
    ...planTiling(request),
    seed: request.seed ?? randomSeed() >>> 0,
    confidence: request.confidence,
    redundancy: request.redundancy,
    unitSizing: request.samplesPerUnit === undefined ? 'device' : 'fixed',
    ...(request.frames ? { frames: request.frames } : {}),
    ...(request.frames && request.cameraPath ? { cameraPath: request.cameraPath } : {}),
  };
}

export function unitCount(
  spec: Pick<
    JobSpec,
    'width' | 'height' | 'tileSize' | 'samplesPerPixel' | 'samplesPerUnit' | 'redundancy' | 'frames'
  >,
) {
  const ranges = Math.ceil(spec.samplesPerPixel / spec.samplesPerUnit);
  return tilesPerFrame(spec) * frameCount(spec) * ranges * replicasOf(spec);
}

/**
 * Every tile row of the job: one image's tiles for a still; for an animation, each frame's tiles in turn
 * (the same rectangles, numbered on: frame k's tile i is row k·n + i), each tagged with its frame number.
 */
export function jobTiles(spec: JobSpec): (ReturnType<typeof tilesOf>[number] & { frame: number | null })[] {
  const tiles = tilesOf(spec);
  if (!spec.frames) return tiles.map((t) => ({ ...t, frame: null }));
  const out: (ReturnType<typeof tilesOf>[number] & { frame: number | null })[] = [];
  for (let frame = spec.frames.start; frame <= spec.frames.end; frame++) {
    const base = (frame - spec.frames.start) * tiles.length;
    for (const t of tiles) out.push({ ...t, index: base + t.index, frame });
  }
  return out;
}

/**
 * Every (tile, sample range) of a job. Together the units cover each pixel's samples [0, spp) exactly once
 * (with independent-seed redundancy, [0, 2 spp): each unit followed by its replica).
 * Sample ranges come first in the order so that a coordinator leasing in this order spreads early samples
 * over the whole image: the preview converges everywhere at once rather than tile by tile. An animation's
 * frames come one after another, each planned like a still.
 */
export function planUnits(spec: JobSpec): UnitPlan[] {
  const count = unitCount(spec);
  if (count > JOB_LIMITS.maxUnits) {
    throw new RangeError(`job would have ${count} units; the limit is ${JOB_LIMITS.maxUnits}`);
  }
  const tiles = tilesOf(spec);
  const units: UnitPlan[] = [];
  // An animation's frames go one after the other, so that finished frames come in order (the player).
  const frames = spec.frames ? { start: spec.frames.start, end: spec.frames.end } : { start: 0, end: 0 };
  for (let frame = frames.start; frame <= frames.end; frame++) {
    const base = (frame - frames.start) * tiles.length;
    const frameOf = spec.frames ? frame : null;
    for (let start = 0; start < spec.samplesPerPixel; start += spec.samplesPerUnit) {
      const end = Math.min(start + spec.samplesPerUnit, spec.samplesPerPixel);
      for (const tile of tiles) {
        units.push({ tileIndex: base + tile.index, frame: frameOf, sampleStart: start, sampleEnd: end });
        // The replica renders sample indices [spp + start, spp + end): with counter-based random numbers an
        // independent stream of the same pixels, and a continuation of the image once both are accepted.
        if (replicasOf(spec) === 2) {
          const spp = spec.samplesPerPixel;
          units.push({
            tileIndex: base + tile.index,
            frame: frameOf,
            sampleStart: spp + start,
            sampleEnd: spp + end,
            replicaOf: units.length - 1,
          });
        }
      }
    }
  }
  return units;
}
