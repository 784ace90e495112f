'use client';

import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatShare } from '../../lib/client/format';
import type { ContributorActivity, ContributorStatus } from '../../lib/contributor/contributor-store';
import { INTENSITY_CHOICES } from '../../lib/contributor/duty-cycle';
import { StatusBadge } from '../ui/status-badge';
import { useContributor, useContributorLoop, useContributorStore } from './contributor-provider';

export const START_BUTTON_ID = 'contributor-start';

const ACTIVITY: Record<Exclude<ContributorActivity, null>, string> = {
  preparing: 'Preparing the GPU: compiling the path tracer (once per visit)…',
  leasing: 'Asking for work…',
  rendering: 'Rendering a unit',
  submitting: 'Sending the result',
  waiting: 'No work right now; asking again every second',
  'backing-off': 'The coordinator is unreachable; retrying soon',
  hidden: 'Paused while this tab is hidden; it carries on when you come back',
};

/** The main button, what the tab is doing, and the next step in words. */
export function Controls() {
  const { loop } = useContributorLoop();
  const s = useContributor(
    useShallow((state) => ({
      status: state.status,
      activity: state.activity,
      backoffMs: state.backoffMs,
      ready: state.adapter !== null,
      consent: state.consent !== null,
      loaded: state.preferencesLoaded,
    })),
  );
  const button = buttonFor(s.status, s.ready);
  const blocked = !s.consent && button.action !== 'pause';
  const onClick = () => {
    if (!loop || blocked) return;
    if (button.action === 'start') loop.start();
    else if (button.action === 'pause') loop.pause();
    else if (button.action === 'resume') loop.resume();
  };
  const doing =
    s.activity === 'backing-off' && s.backoffMs
      ? `The coordinator is unreachable; retrying in ${s.backoffMs / 1000} s`
      : s.activity
        ? ACTIVITY[s.activity]
        : s.status === 'pausing'
          ? 'Finishing the current unit, then stopping'
          : null;

  return (
    <div className="controls-block">
      <div className="controls">
        <button
          type="button"
          id={START_BUTTON_ID}
          className={`button ${button.action === 'pause' ? 'button--secondary' : 'button--primary'}`}
          onClick={onClick}
          // While pausing the button stays focusable (aria-disabled), so keyboard focus is not thrown to the page.
          disabled={!loop || blocked || (button.disabled && s.status !== 'pausing')}
          aria-disabled={button.disabled || undefined}
          aria-describedby="contributor-next"
        >
          {button.label}
        </button>
        {s.status === 'pausing' ? (
          <button
            type="button"
            className="button button--ghost"
            onClick={() => loop?.pause({ abandon: true })}
            data-testid="stop-now"
          >
            Stop now
          </button>
        ) : null}
        <div className="controls__status">
          <span className="muted">Status</span> <StatusBadge status={s.status} testId="contributor-status" />
          {doing ? (
            <span className="controls__doing" data-testid="contributor-activity">
              {doing}
            </span>
          ) : null}
        </div>
      </div>
      <p className="hint controls__next" id="contributor-next" aria-live="polite">
        {nextStep(s.status, s.consent, s.loaded, s.ready)}
      </p>
    </div>
  );
}

function nextStep(status: ContributorStatus, consent: boolean, loaded: boolean, ready: boolean): string {
  if (status === 'unsupported') return 'This browser cannot contribute: “Your GPU” says why and what to try.';
  if (!loaded) return 'Reading your choices…';
  if (!ready && status === 'idle') return 'Looking at your GPU…';
  if (!consent && (status === 'pausing' || status === 'running')) return 'Stopping…';
  if (!consent) return 'Read what runs and agree to it first (above); then Start.';
  switch (status) {
    case 'idle':
      return 'Press Start: this tab asks for work and renders it in the background.';
    case 'probing':
      return 'Looking at your GPU…';
    case 'running':
      return 'Keep this tab open; you can use other tabs and apps. Pause whenever you like.';
    case 'pausing':
      return 'The unit in hand finishes so the work is not lost; Stop now drops it instead.';
    case 'paused':
      return 'Nothing runs now. Resume to carry on.';
    case 'error':
      return 'The renderer failed several times in a row: the error is below. Try again, or reload the page.';
  }
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
    case 'unsupported':
      return { label: 'Start', action: null, disabled: true };
    case 'error':
      return { label: 'Try again', action: 'start', disabled: !ready };
    default:
      return { label: 'Start', action: 'start', disabled: !ready };
  }
}

/** The share of GPU time and the hidden-tab choice; both stored, both apply at once. */
export function Settings() {
  const id = useId();
  const store = useContributorStore();
  const { intensity, pauseWhenHidden, gpuShare } = useContributor(
    useShallow((s) => ({ intensity: s.intensity, pauseWhenHidden: s.pauseWhenHidden, gpuShare: s.gpuShare })),
  );
  const choice = INTENSITY_CHOICES.find((c) => c.share === intensity);
  return (
    <div className="contributor-settings">
      <fieldset className="intensity" aria-describedby={`${id}-intensity-hint`}>
        <legend>GPU time to lend</legend>
        <div className="segmented">
          {INTENSITY_CHOICES.map((c) => (
            <label key={c.share} className="segmented__option">
              <input
                type="radio"
                className="visually-hidden"
                name={`${id}-intensity`}
                value={c.share}
                checked={c.share === intensity}
                onChange={() => store.setState({ intensity: c.share })}
              />
              <span>{c.label}</span>
            </label>
          ))}
        </div>
        <p className="hint" id={`${id}-intensity-hint`}>
          {choice ? `${choice.label}: ${choice.hint}. ` : ''}
          The GPU rests between bursts of about 0.1 s, so the rest of your machine stays responsive.{' '}
          {gpuShare !== null ? (
            <span data-testid="gpu-share" data-value={gpuShare.toFixed(3)}>
              Measured over the last units: busy {formatShare(gpuShare)} of the time.
            </span>
          ) : null}
        </p>
      </fieldset>
      <div className="checkbox-field">
        <input
          id={`${id}-hidden`}
          type="checkbox"
          checked={pauseWhenHidden}
          onChange={(e) => store.setState({ pauseWhenHidden: e.target.checked })}
          aria-describedby={`${id}-hidden-hint`}
        />
        <div>
          <label htmlFor={`${id}-hidden`}>Pause when this tab is hidden</label>
          <p className="hint" id={`${id}-hidden-hint`}>
            {pauseWhenHidden
              ? 'While you look at another tab or minimise the window, no new work is taken.'
              : 'Off: the tab keeps rendering in the background, at the share above.'}
          </p>
        </div>
      </div>
    </div>
  );
}
