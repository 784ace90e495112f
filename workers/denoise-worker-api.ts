/**
 * Message and result types of the denoise worker (workers/denoise.worker.ts). Types only: the job page
 * imports this file, and nothing here may pull GPU code into the page's bundle.
 */
import type { DenoiseJob } from '../lib/render/denoise';

export type { DenoiseJob };

/** A denoised preview of a job's image as the coordinator had it at `version`. */
export type DenoiseOutcome =
  | {
      ok: true;
      version: number;
      /** 8-bit sRGB RGBA, tone-mapped like the farm's preview, width x height. */
      rgba: Uint8ClampedArray<ArrayBuffer>;
      /** The same image as a PNG file and as linear float PFM, for the downloads. */
      png: Uint8Array<ArrayBuffer>;
      pfm: Uint8Array<ArrayBuffer>;
      /** Time spent on the GPU for the guides (first time only) and the filter, in ms. */
      gpuMs: number;
    }
  | { ok: false; error: string; nextStep: string };

export interface DenoiseWorkerApi {
  /**
   * Fetches the job's accumulation from this page's coordinator, renders the guide buffers from the job's
   * scene (once per job) and filters. Runs one request at a time; never throws.
   */
  denoise(jobId: string, version: number, job: DenoiseJob): Promise<DenoiseOutcome>;
}
