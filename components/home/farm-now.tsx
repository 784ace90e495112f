'use client';

import { useState } from 'react';
import { isAbortError, listJobs } from '../../lib/client/api';
import { formatSi } from '../../lib/client/format';
import { type FarmFigures, farmFigures } from '../../lib/contributor/farm-figures';
import { usePolling } from '../jobs/use-polling';
import { usePageVisible } from '../ui/use-page-visible';

const POLL_MS = 10_000;

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The farm right now, from GET /api/jobs, refreshed every 10 s while the page is visible. */
export function FarmNow() {
  const visible = usePageVisible();
  const [state, setState] = useState<{ figures: FarmFigures | null; failed: boolean }>({
    figures: null,
    failed: false,
  });
  usePolling(
    async (signal) => {
      try {
        const jobs = await listJobs({ signal });
        setState({ figures: farmFigures(jobs), failed: false });
      } catch (cause) {
        if (isAbortError(cause) || signal.aborted) return;
        setState((s) => ({ ...s, failed: true }));
      }
    },
    POLL_MS,
    visible,
  );
  const { figures, failed } = state;
  return (
    <p className="farm-now" aria-live="polite" data-testid="farm-now">
      <span className={`farm-now__dot ${figures && figures.rendering > 0 ? 'farm-now__dot--live' : ''}`} />
      {figures ? (
        figures.rendering > 0 ? (
          <span>
            <strong data-testid="jobs-rendering">
              {plural(figures.rendering, 'job', 'jobs')} rendering now
            </strong>
            , {plural(figures.unitsToGo, 'unit', 'units')} to go · {plural(figures.done, 'job', 'jobs')}{' '}
            finished · {formatSi(figures.pixelSamples)} pixel-samples traced so far
          </span>
        ) : (
          <span>
            <strong data-testid="jobs-rendering">No job is rendering right now</strong>; contributors are
            waiting for the next scene.
            {figures.done > 0
              ? ` ${plural(figures.done, 'job', 'jobs')} finished, ${formatSi(figures.pixelSamples)} pixel-samples traced so far.`
              : ''}
          </span>
        )
      ) : failed ? (
        <span className="muted">
          The farm’s coordinator did not answer; figures will appear when it does.
        </span>
      ) : (
        <span className="muted">Asking the farm what it is doing…</span>
      )}
    </p>
  );
}
