'use client';

import Link from 'next/link';
import { useShallow } from 'zustand/react/shallow';
import type { ContributorActivity, ContributorStatus } from '../../lib/client/contributor-store';
import { formatRate, formatSi } from '../../lib/client/format';
import { StatusBadge } from '../ui/status-badge';
import { ContributorProvider, useContributor, useContributorLoop } from './contributor-provider';
import { PayoutCard } from './payout-card';
import { type ContributorRecord, useContributorRecord } from './use-contributor-record';

export function ContributorPanel() {
  return (
    <ContributorProvider>
      <ContributeCards />
    </ContributorProvider>
  );
}

/** The cards share one poll of this session's record: the verified figures and the payout binding use it. */
function ContributeCards() {
  const status = useContributor((state) => state.status);
  const { sessionId } = useContributorLoop();
  const record = useContributorRecord(sessionId, status);
  return (
    <div className="contribute">
      <section className="card contribute__consent" aria-labelledby="consent-title">
        <h2 id="consent-title">What will run</h2>
        <p className="consent">Pressing Start runs a path tracer on your GPU in this tab.</p>
        <p className="muted">
          This tab asks the coordinator for a small unit of work (one tile of an image and a few samples per
          pixel), renders it with WebGPU in a background worker, and sends the pixels back. Nothing is
          installed and nothing runs once the tab is closed or paused. Closing the tab mid-unit loses at most
          that unit; it simply goes to someone else.
        </p>
        <GpuReport />
      </section>
      <section className="card contribute__live" aria-labelledby="live-title">
        <h2 id="live-title">Your contribution</h2>
        <Controls />
        <Figures />
        <VerifiedFigures record={record} />
      </section>
      <PayoutCard sessionId={sessionId} boundAddress={record.view?.payoutAddress ?? null} />
    </div>
  );
}

function GpuReport() {
  const { status, adapter, unsupported } = useContributor(
    useShallow((s) => ({ status: s.status, adapter: s.adapter, unsupported: s.unsupported })),
  );
  if (unsupported) {
    return (
      <div className="notice notice--error" data-testid="unsupported" role="alert">
        <p className="notice__title">This browser cannot contribute its GPU yet.</p>
        <p>{unsupported.reason}</p>
        <p>
          <strong>Next step:</strong> {unsupported.nextStep}
        </p>
        <p className="muted">
          You can still <Link href="/jobs">render a scene</Link> with other people’s GPUs.
        </p>
      </div>
    );
  }
  if (!adapter) {
    return (
      <p className="gpu gpu--pending" aria-live="polite">
        {status === 'error'
          ? 'No GPU: see the error below.'
          : 'Looking for a WebGPU adapter and compiling the path tracer…'}
      </p>
    );
  }
  const parts = [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean);
  return (
    <div className="gpu">
      <p className="gpu__label">Your GPU</p>
      <p className="gpu__name" data-testid="adapter">
        {parts.join(' · ')}
      </p>
      {adapter.isFallback ? (
        <p className="notice notice--warn">
          This is a software adapter: the GPU is emulated on the CPU, so rendering works but slowly (a real
          graphics card is hundreds to thousands of times faster).
        </p>
      ) : null}
    </div>
  );
}

const ACTIVITY: Record<Exclude<ContributorActivity, null>, string> = {
  leasing: 'Asking for work…',
  rendering: 'Rendering a unit',
  submitting: 'Sending the result',
  waiting: 'No work right now; asking again every second',
  'backing-off': 'The coordinator is unreachable; retrying soon',
};

function Controls() {
  const { loop } = useContributorLoop();
  const { status, activity, backoffMs, ready } = useContributor(
    useShallow((s) => ({
      status: s.status,
      activity: s.activity,
      backoffMs: s.backoffMs,
      ready: s.adapter !== null,
    })),
  );
  const button = buttonFor(status, ready);
  const onClick = () => {
    if (!loop) return;
    if (button.action === 'start') loop.start();
    else if (button.action === 'pause') loop.pause();
    else if (button.action === 'resume') loop.resume();
  };
  const doing =
    activity === 'backing-off' && backoffMs
      ? `The coordinator is unreachable; retrying in ${backoffMs / 1000} s`
      : activity
        ? ACTIVITY[activity]
        : status === 'pausing'
          ? 'Finishing the current unit'
          : null;

  return (
    <div className="controls">
      <button
        type="button"
        className={`button ${button.action === 'pause' ? 'button--secondary' : 'button--primary'}`}
        onClick={onClick}
        // While pausing the button stays focusable (aria-disabled), so keyboard focus is not thrown to the page.
        disabled={!loop || (button.disabled && status !== 'pausing')}
        aria-disabled={button.disabled || undefined}
      >
        {button.label}
      </button>
      <div className="controls__status">
        <span className="muted">Status</span> <StatusBadge status={status} testId="contributor-status" />
        {doing ? <span className="controls__doing">{doing}</span> : null}
      </div>
    </div>
  );
}

function buttonFor(
  status: ContributorStatus,
  ready: boolean,
): { label: string; action: 'start' | 'pause' | 'resume' | null; disabled: boolean } {
  switch (status) {
    case 'running':
      return { label: 'Pause', action: 'pause', disabled: false };
    case 'pausing':
      return { label: 'Pausing…', action: null, disabled: true };
    case 'paused':
      return { label: 'Resume', action: 'resume', disabled: false };
    case 'probing':
      return { label: 'Start', action: null, disabled: true };
    case 'unsupported':
      return { label: 'Start', action: null, disabled: true };
    default:
      return { label: 'Start', action: 'start', disabled: !ready };
  }
}

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

function Figures() {
  const s = useContributor(
    useShallow((state) => ({
      unitsDone: state.unitsDone,
      pixelSamplesDone: state.pixelSamplesDone,
      samplesPerSecond: state.samplesPerSecond,
      currentUnit: state.currentUnit,
      lastError: state.lastError,
      lastErrorAt: state.lastErrorAt,
    })),
  );
  const { sessionId } = useContributorLoop();
  return (
    <>
      <dl className="figures">
        <div className="figure">
          <dt>Units and checks done</dt>
          <dd className="figure__value" data-testid="units-done">
            {s.unitsDone}
          </dd>
        </div>
        <div className="figure">
          <dt>Speed</dt>
          <dd className="figure__value" data-testid="samples-per-second">
            <RateFigure perSecond={s.samplesPerSecond} />
          </dd>
        </div>
        <div className="figure">
          <dt>Pixel-samples done</dt>
          <dd className="figure__value" data-testid="pixel-samples-done">
            {formatSi(s.pixelSamplesDone)}
          </dd>
        </div>
      </dl>
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
    </>
  );
}

/**
 * What verification made of this session's work: units other contributors' checks agreed with, units still
 * waiting for them, rejected units and the credit. A quarantined session is told plainly that it gets no
 * more work.
 */
function VerifiedFigures({ record }: { record: ContributorRecord }) {
  const { view, problem } = record;
  const dash = '—';
  return (
    <section className="verified" aria-labelledby="verified-title">
      <h3 id="verified-title">Verified by other contributors</h3>
      {view?.quarantined ? (
        <div className="notice notice--error" role="alert" data-testid="quarantined">
          <p className="notice__title">This session is quarantined: its results failed verification.</p>
          <p>
            Other contributors re-rendered parts of the units it sent and got different pixels, so those units
            were rejected and rendered again by someone else. The coordinator gives no more work to this
            session.
          </p>
          <p>
            <strong>Next step:</strong> if this GPU or browser misbehaves, update its driver or browser, then
            start again from a new tab.
          </p>
        </div>
      ) : null}
      <dl className="figures">
        <div className="figure">
          <dt>Verified units</dt>
          <dd className="figure__value" data-testid="units-verified">
            {view ? view.unitsAccepted.toLocaleString('en') : dash}
          </dd>
        </div>
        <div className="figure">
          <dt>Awaiting checks</dt>
          <dd className="figure__value" data-testid="units-awaiting-checks">
            {view ? view.unitsVerifying.toLocaleString('en') : dash}
          </dd>
        </div>
        <div className={`figure ${view && view.unitsRejected > 0 ? 'figure--warn' : ''}`}>
          <dt>Rejected</dt>
          <dd className="figure__value" data-testid="units-rejected">
            {view && view.unitsRejected > 0 ? (
              <span className="verification__mark" aria-hidden="true">
                !{' '}
              </span>
            ) : null}
            {view ? view.unitsRejected.toLocaleString('en') : dash}
          </dd>
        </div>
        <div className="figure">
          <dt>Credit</dt>
          <dd className="figure__value" data-testid="credit">
            {view ? (
              <>
                {formatSi(view.creditedPixelSamples)} <span className="figure__unit">pixel-samples</span>
              </>
            ) : (
              dash
            )}
          </dd>
        </div>
      </dl>
      <p className="hint">
        {view
          ? 'A unit counts once another contributor’s spot check agrees with it; checks you render for others count too.'
          : 'Figures appear once this tab has rendered its first unit.'}
        {problem ? <span className="warn-text"> Could not update them: {problem}. Retrying.</span> : null}
      </p>
    </section>
  );
}
