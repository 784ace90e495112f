'use client';

import Link from 'next/link';
import { formatSi } from '../../lib/client/format';
import { creditValueWei, formatEther, formatPrice } from '../../lib/settlement/pricing';
import { useEscrowChain } from '../wallet/wallet-provider';
import type { ContributorRecord } from './use-contributor-record';

/**
 * What verification made of this session's work: units other contributors' checks agreed with, units still
 * waiting for them, rejected units and the credit, with its value in ether when this coordinator takes
 * payments. A quarantined session is told plainly that it gets no more work.
 */
export function VerifiedFigures({ record }: { record: ContributorRecord }) {
  const { view, problem } = record;
  const chain = useEscrowChain();
  const dash = '—';
  const valueWei =
    chain && view ? creditValueWei(view.creditedPixelSamples, chain.priceWeiPerPixelSample) : null;
  return (
    <section className="card verified-card" aria-labelledby="verified-title">
      <h2 id="verified-title">Your verified work</h2>
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
        <div className="figure figure--accent">
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
      {valueWei !== null && chain ? (
        <p className="credit-value" data-testid="credit-value">
          Worth up to <strong>{formatEther(valueWei)}</strong> at this farm’s price of{' '}
          {formatPrice(BigInt(chain.priceWeiPerPixelSample))} per pixel-sample. Only work on paid jobs is
          paid, to the address you sign for below; <Link href="/claims">Claims</Link> shows the exact amount.
        </p>
      ) : null}
      <p className="hint">
        {view
          ? 'A unit counts once another contributor’s spot check agrees with it; checks you render for others count too.'
          : 'Figures appear once this tab has rendered its first unit.'}
        {problem ? <span className="warn-text"> Could not update them: {problem}. Retrying.</span> : null}
      </p>
    </section>
  );
}
