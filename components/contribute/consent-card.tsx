'use client';

import { CONSENT_VERSION } from '../../lib/contributor/contributor-store';
import { useContributor, useContributorStore } from './contributor-provider';

export const CONSENT_AGREE_ID = 'consent-agree';

/**
 * What runs if the person agrees, before anything does: what the tab renders and sends, what it costs them,
 * how to stop, what they get. Agreeing is remembered in this browser; the session card offers to withdraw.
 */
export function ConsentCard({ onAgreed }: { onAgreed: () => void }) {
  const store = useContributorStore();
  const loaded = useContributor((s) => s.preferencesLoaded);
  const consent = useContributor((s) => s.consent);
  if (loaded && consent) return null;
  return (
    <section className="card consent-card" aria-labelledby="consent-title" data-testid="consent">
      <h2 id="consent-title">Before anything runs</h2>
      {loaded ? (
        <>
          <p className="consent">Nothing has run on your GPU yet. If you agree, this tab will:</p>
          <ul className="consent-card__list">
            <li>
              <strong>Render other people’s 3D scenes.</strong> It asks this site for a small unit of work
              (one tile of an image, a few samples per pixel), path-traces it with WebGPU in a background
              worker, and sends back only the pixels, with a random id for this tab. Nothing is installed.
            </li>
            <li>
              <strong>Use your graphics card and electricity.</strong> Expect more power draw and perhaps fan
              noise; on a laptop, battery. You choose how much of the GPU’s time to lend.
            </li>
            <li>
              <strong>Stop whenever you say.</strong> Pause, withdraw this consent or close the tab, and
              nothing runs any more. A unit cut short simply goes to someone else.
            </li>
            <li>
              <strong>Earn credit for verified work.</strong> Other contributors re-render a few of your
              pixels to check them. Verified work is credited to this tab, and paid jobs pay it in ether to a
              wallet address you choose (optional).
            </li>
          </ul>
          <div className="button-row">
            <button
              type="button"
              id={CONSENT_AGREE_ID}
              className="button button--primary"
              onClick={() => {
                store.setState({ consent: { version: CONSENT_VERSION, at: Date.now() } });
                onAgreed();
              }}
            >
              I agree, let this tab render
            </button>
          </div>
          <p className="hint">
            This browser remembers your answer, so you are not asked again; you can withdraw it at any time.
          </p>
        </>
      ) : (
        <p className="consent-card__loading muted" role="status">
          <span className="spinner spinner--small" aria-hidden="true" /> Reading your choices…
        </p>
      )}
    </section>
  );
}

/** "You agreed on 3 May 2026" with a way to take it back: the unit in hand stops at once. */
export function ConsentNote({ onWithdrawn }: { onWithdrawn: () => void }) {
  const store = useContributorStore();
  const consent = useContributor((s) => s.consent);
  if (!consent) return null;
  const when = new Date(consent.at);
  return (
    <p className="consent-note" data-testid="consent-given">
      <span className="consent-note__mark" aria-hidden="true">
        ✓
      </span>{' '}
      You agreed on{' '}
      <time dateTime={when.toISOString()}>
        {when.toLocaleDateString('en', { day: 'numeric', month: 'long', year: 'numeric' })}
      </time>{' '}
      to let this browser render.{' '}
      <button
        type="button"
        className="link-button"
        onClick={() => {
          store.setState({ consent: null });
          onWithdrawn();
        }}
      >
        Withdraw consent
      </button>
    </p>
  );
}
