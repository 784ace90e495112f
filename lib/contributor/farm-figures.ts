/** The landing page's live line: what the job list says of the farm as a whole, nothing made up. */
import type { JobView } from '../protocol/api-types';

export interface FarmFigures {
  /** Jobs whose units are being handed out now. */
  rendering: number;
  /** Units of those jobs not done yet. */
  unitsToGo: number;
  done: number;
  /** Pixel-samples accepted into every job so far. */
  pixelSamples: number;
}

export function farmFigures(
  jobs: readonly Pick<JobView, 'status' | 'unitsDone' | 'unitsTotal' | 'pixelSamplesDone'>[],
): FarmFigures {
  const rendering = jobs.filter((j) => j.status === 'rendering');
  return {
    rendering: rendering.length,
    unitsToGo: rendering.reduce((n, j) => n + Math.max(0, j.unitsTotal - j.unitsDone), 0),
    done: jobs.filter((j) => j.status === 'done').length,
    pixelSamples: jobs.reduce((n, j) => n + j.pixelSamplesDone, 0),
  };
}
