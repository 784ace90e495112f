/**
 * Message and result types of the render worker (workers/render.worker.ts). Types only: both the worker
 * and the page import this file, and nothing here may pull GPU code into the page's bundle.
 *
 * Results are tagged unions rather than thrown errors, because an error thrown inside a worker loses its
 * class (and any extra fields) on its way through comlink.
 */
import type { RenderTask } from '../lib/protocol/render-task';
import type { AdapterSummary } from '../lib/render/capability';

export type { AdapterSummary, RenderTask };

/** What the worker found when it looked for a GPU. */
export type Probe = { ok: true; adapter: AdapterSummary } | { ok: false; reason: string; nextStep: string };

/**
 * One rendered task. `data` holds RESULT_CHANNELS float32 per pixel of `task.region`, row-major, or per
 * entry of `task.pixels` in list order when the task has a pixel list (lib/protocol/result-layout.ts); it
 * arrives transferred, not copied.
 */
export type RenderOutcome =
  | {
      ok: true;
      data: Float32Array<ArrayBuffer>;
      /** Time the GPU queue spent on the task's dispatches, in ms (the duty cycle's idle is not in it). */
      gpuMs: number;
      dispatches: number;
    }
  /** `cancelled`: stopped by cancel() between two dispatches; nothing is wrong with the GPU or the task. */
  | { ok: false; error: string; cancelled?: true };

/** Called after each dispatch with the samples per pixel finished so far in this task. */
export type RenderProgress = (samplesDone: number) => void;

/** How a contributor's task is paced (lib/contributor/duty-cycle.ts). */
export interface RenderPacing {
  /**
   * Milliseconds until the task's lease expires, as the page measured them when it called: the duty cycle
   * idles less when the rest of the task would otherwise miss it. Absent: no deadline.
   */
  leaseMsLeft?: number;
}

/** The one object the worker exposes. Wrap with `Comlink.wrap<RenderWorkerApi>(worker)`. */
export interface RenderWorkerApi {
  /**
   * Which adapter this browser offers and its limits, without creating a device or compiling anything:
   * nothing runs on the GPU. Never throws.
   */
  inspect(): Promise<Probe>;
  /**
   * Acquires the GPU and compiles the path tracer, once; later calls answer from the cached device.
   * Never throws: an unsupported browser gets `{ ok: false, reason, nextStep }`.
   */
  probe(): Promise<Probe>;
  /**
   * Renders one task with the cached device (probing first when needed). One task runs at a time; a
   * second call waits for the first. Pass `onProgress` wrapped in `Comlink.proxy`. Between dispatches the
   * worker idles as the share set by setShare asks.
   */
  render(task: RenderTask, onProgress?: RenderProgress, pacing?: RenderPacing): Promise<RenderOutcome>;
  /** The share of GPU time to use from now on, in (0, 1]; applies to the task in flight too. Starts at 1. */
  setShare(share: number): void;
  /**
   * Stops every task asked for so far at its next dispatch (or idle gap): each answers `{ ok: false,
   * cancelled: true }`. Tasks asked for later run normally.
   */
  cancel(): void;
}
