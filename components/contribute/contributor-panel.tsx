'use client';

import { useEffect, useState } from 'react';
import { CONSENT_AGREE_ID, ConsentCard, ConsentNote } from './consent-card';
import { ContributorProvider, useContributor, useContributorLoop } from './contributor-provider';
import { GpuReport } from './gpu-report';
import { LiveFigures, UnitDetails } from './live-figures';
import { PayoutCard } from './payout-card';
import { Controls, Settings, START_BUTTON_ID } from './session-controls';
import { TileView } from './tile-view';
import { useContributorRecord } from './use-contributor-record';
import { VerifiedFigures } from './verified-figures';

export function ContributorPanel() {
  return (
    <ContributorProvider>
      <ContributeCards />
    </ContributorProvider>
  );
}

/**
 * Consent first when it is missing (or, where WebGPU is missing, why and what to try); then this tab (controls, live view and figures, settings); then what it
 * earned, how to be paid and what the GPU is. The cards share one poll of this session's record.
 */
function ContributeCards() {
  const status = useContributor((state) => state.status);
  // A browser that cannot contribute is told so first, instead of being asked to agree to nothing.
  const unsupported = status === 'unsupported';
  const { sessionId } = useContributorLoop();
  const record = useContributorRecord(sessionId, status);
  // Agreeing or withdrawing removes the button just pressed: keyboard focus moves to the next thing to do.
  const [focus, setFocus] = useState<string | null>(null);
  useEffect(() => {
    if (!focus) return;
    document.getElementById(focus)?.focus();
    setFocus(null);
  }, [focus]);

  return (
    <div className="contribute">
      {unsupported ? <GpuReport wide /> : <ConsentCard onAgreed={() => setFocus(START_BUTTON_ID)} />}
      <section className="card contribute__session" aria-labelledby="session-title">
        <h2 id="session-title">This tab</h2>
        <Controls />
        <ConsentNote onWithdrawn={() => setFocus(CONSENT_AGREE_ID)} />
        <div className="session-live">
          <TileView />
          <LiveFigures />
        </div>
        <Settings />
        <UnitDetails />
      </section>
      <div className="contribute__side">
        <VerifiedFigures record={record} />
        <PayoutCard sessionId={sessionId} boundAddress={record.view?.payoutAddress ?? null} />
        {unsupported ? null : <GpuReport />}
      </div>
    </div>
  );
}
