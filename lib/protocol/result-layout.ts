import { InvalidResultError } from './errors';
import type { Region } from './region';
import type { RenderTask } from './render-task';

/**
 * A unit's result, as rendered and as submitted: little-endian float32, row-major over the unit's region
 * (or in list order for a task with a pixel list, RenderTask.pixels), RESULT_CHANNELS floats per pixel.
 * Must match RESULT_CHANNELS in shaders/common.wgsl.
 */
export const RESULT_CHANNELS = 5;
export const CHANNEL = { r: 0, g: 1, b: 2, luminanceSq: 3, count: 4 } as const;

export function resultByteLength(region: Pick<Region, 'width' | 'height'>): number {
  return region.width * region.height * RESULT_CHANNELS * Float32Array.BYTES_PER_ELEMENT;
}

/**
 * Pixels a task renders: the length of its pixel list in pixel-list mode, else its region's area. Its
 * result holds RESULT_CHANNELS float32 per such pixel, in list order or row-major over the region.
 */
export function taskPixelCount(task: Pick<RenderTask, 'region' | 'pixels'>): number {
  return task.pixels !== undefined ? task.pixels.length : task.region.width * task.region.height;
}

/** Bytes of a task's result (either mode; see taskPixelCount). */
export function resultByteLengthForTask(task: Pick<RenderTask, 'region' | 'pixels'>): number {
  return taskPixelCount(task) * RESULT_CHANNELS * Float32Array.BYTES_PER_ELEMENT;
}

/**
 * Every task of a lease in the order of its result: its own task, then each batched check's
 * (Lease.checks). The lease's result is their results one after another (concatResults).
 */
export function leaseTasks<Task>(lease: { task: Task; checks?: { task: Task }[] }): Task[] {
  return [lease.task, ...(lease.checks ?? []).map((c) => c.task)];
}

/** One lease's result from its parts' results, in the lease's order (leaseTasks). */
export function concatResults(parts: readonly Float32Array[]): Float32Array<ArrayBuffer> {
  const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  return data;
}

/**
 * Checks that submitted bytes are a plausible honest result for `samples` samples per pixel: exact size,
 * every value finite and non-negative, and every pixel's count equal to the samples asked for. (Whether
 * the radiance is *right* is verification's job, not this one's.)
 */
export function parseResult(bytes: Uint8Array, region: Region, samples: number): Float32Array {
  const expected = resultByteLength(region);
  if (bytes.byteLength !== expected) {
    throw new InvalidResultError(
      `Result is ${bytes.byteLength} bytes; this unit's result is ${expected} bytes`,
      {
        metaMessages: [
          `Send ${region.width}x${region.height} pixels x ${RESULT_CHANNELS} little-endian float32 values.`,
        ],
      },
    );
  }
  // Copy into an aligned buffer: the body may start at any byte offset.
  const values = new Float32Array(bytes.slice().buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v) || v < 0) {
      const pixel = Math.floor(i / RESULT_CHANNELS);
      throw new InvalidResultError(`Result holds ${v} at pixel ${pixel}, channel ${i % RESULT_CHANNELS}`, {
        metaMessages: ['Every value must be a finite, non-negative float32. Re-render the unit.'],
      });
    }
    if (i % RESULT_CHANNELS === CHANNEL.count && v !== samples) {
      const pixel = Math.floor(i / RESULT_CHANNELS);
      throw new InvalidResultError(`Pixel ${pixel} has ${v} samples; this unit asks for ${samples}`, {
        metaMessages: ['Render every sample index of the lease for every pixel of its region.'],
      });
    }
  }
  return values;
}
