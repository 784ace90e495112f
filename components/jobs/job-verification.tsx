'use client';

import { useId } from 'react';
import { formatShare, formatSi } from '../../lib/client/format';
import { formatConfidence, tileVerification } from '../../lib/dashboard/verification-view';
import type { JobView } from '../../lib/protocol/api-types';
import { finalSamplesPerPixel } from '../../lib/protocol/tiles';
import { flaggedList } from './tile-heatmap';

/**
 * A job's spot checks: what waits, what was rejected and what the checks cost; the tiles that stand out are
 * named, and the tile heatmap on the image (tile-heatmap.tsx) shows them all.
 */
export function JobVerificationPanel({ job, onShowTiles }: { job: JobView; onShowTiles: () => void }) {
  const id = useId();
  const v = job.verification;
  const samplesPerPixel = finalSamplesPerPixel(job.spec);
  const tiles = job.tiles.map((t) => tileVerification(t, samplesPerPixel));
  const flagged = tiles.filter((t) => t.flagged);
  const checked = tiles.reduce((n, t) => n + (t.checked > 0 ? 1 : 0), 0);
  return (
    <section className="card verification" aria-labelledby={`${id}-title`}>
      <div className="section-head">
        <h2 id={`${id}-title`}>Verification</h2>
        <span className="muted small">
          {formatConfidence(v.confidence)} confidence · {v.pixelsPerCheck.toLocaleString('en')}{' '}
          {v.pixelsPerCheck === 1 ? 'pixel' : 'pixels'} per check
          {v.redundancy === 'independent-seeds' ? ' · independent replica of every unit' : ''}
        </span>
      </div>
      <p className="hint verification__intro">
        Other contributors re-render a random scattered set of each unit’s pixels with the same seeds; a unit
        counts only once its checks agree, and one that fails is rendered again by someone else.
      </p>
      <dl className="figures verification__summary" data-testid="verification-summary">
        <div className="figure">
          <dt>Awaiting checks</dt>
          <dd className="figure__value" data-testid="units-verifying">
            {v.unitsVerifying.toLocaleString('en')}
            <span className="figure__unit">{v.unitsVerifying === 1 ? 'unit' : 'units'}</span>
          </dd>
        </div>
        <div className={`figure ${v.unitsRejected > 0 ? 'figure--warn' : ''}`}>
          <dt>Rejected and re-issued</dt>
          <dd className="figure__value" data-testid="units-rejected">
            {v.unitsRejected > 0 ? (
              <span className="verification__mark" aria-hidden="true">
                ↻{' '}
              </span>
            ) : null}
            {v.unitsRejected.toLocaleString('en')}
            <span className="figure__unit">{v.unitsRejected === 1 ? 'unit' : 'units'}</span>
          </dd>
        </div>
        <div className="figure">
          <dt>Check overhead</dt>
          <dd className="figure__value" data-testid="check-overhead">
            {formatShare(v.overhead)}
            <span className="figure__unit">{formatSi(v.checkPixelSamples)} px-samples of checks</span>
          </dd>
        </div>
      </dl>
      <p className={`verification__tiles ${flagged.length > 0 ? 'warn-text' : 'muted'}`}>
        {flagged.length > 0 ? (
          <>
            <span aria-hidden="true">! </span>
            {flagged.length} {flagged.length === 1 ? 'tile has' : 'tiles have'} a failed check or a re-issued
            unit: {flaggedList(flagged)}.
          </>
        ) : (
          `${checked} of ${tiles.length} ${tiles.length === 1 ? 'tile' : 'tiles'} checked so far; none failed.`
        )}{' '}
        <button type="button" className="link-button" onClick={onShowTiles} data-testid="show-heatmap">
          Show the checks tile by tile
        </button>
      </p>
    </section>
  );
}
