'use client';

import { useShallow } from 'zustand/react/shallow';
import { formatRate, formatSi } from '../../lib/client/format';
import { useContributor, useContributorLoop } from './contributor-provider';

/** "312 k px-samples/s" as text, with the unit set smaller on its own line. */
function RateFigure({ perSecond }: { perSecond: number | null }) {
  const text = formatRate(perSecond);
  const split = text.indexOf(' px-samples/s');
  if (split < 0) return text;
  return (
    <>
      {text.slice(0, split)} <span className="figure__unit">px-samples/s</span>
    </>
  );
}

/** This tab's own count of its work, live: speed, units, pixel-samples; then the unit in hand and errors. */
export function LiveFigures() {
  const s = useContributor(
    useShallow((state) => ({
      unitsDone: state.unitsDone,
      pixelSamplesDone: state.pixelSamplesDone,
      samplesPerSecond: state.samplesPerSecond,
      gpuSamplesPerSecond: state.gpuSamplesPerSecond,
    })),
  );
  return (
    <dl className="figures">
      <div className="figure">
        <dt>Speed (recent units)</dt>
        <dd className="figure__value" data-testid="samples-per-second">
          <RateFigure perSecond={s.samplesPerSecond} />
        </dd>
      </div>
      <div className="figure">
        <dt>Units and checks done</dt>
        <dd className="figure__value" data-testid="units-done">
          {s.unitsDone}
        </dd>
      </div>
      <div className="figure">
        <dt>Pixel-samples done</dt>
        <dd className="figure__value" data-testid="pixel-samples-done">
          {formatSi(s.pixelSamplesDone)}
        </dd>
      </div>
      <div className="figure">
        <dt>GPU at full speed</dt>
        <dd className="figure__value" data-testid="gpu-samples-per-second">
          <RateFigure perSecond={s.gpuSamplesPerSecond} />
        </dd>
      </div>
    </dl>
  );
}

export function UnitDetails() {
  const s = useContributor(
    useShallow((state) => ({
      currentUnit: state.currentUnit,
      lastError: state.lastError,
      lastErrorAt: state.lastErrorAt,
    })),
  );
  const { sessionId } = useContributorLoop();
  return (
    <dl className="details-list">
      <div>
        <dt>Current unit</dt>
        <dd data-testid="current-unit">{s.currentUnit ?? '—'}</dd>
      </div>
      <div>
        <dt>Last error</dt>
        <dd data-testid="last-error" className={s.lastError ? 'error-text' : undefined}>
          {s.lastError ? (
            <>
              {s.lastErrorAt ? (
                <time className="muted" dateTime={new Date(s.lastErrorAt).toISOString()}>
                  {new Date(s.lastErrorAt).toLocaleTimeString()}{' '}
                </time>
              ) : null}
              <span className="pre-line">{s.lastError}</span>
            </>
          ) : (
            'none'
          )}
        </dd>
      </div>
      <div>
        <dt>Contributor session</dt>
        <dd className="mono muted">{sessionId ? sessionId.slice(0, 8) : '—'} (this tab only)</dd>
      </div>
    </dl>
  );
}
