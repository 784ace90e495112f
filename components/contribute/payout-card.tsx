'use client';

import Link from 'next/link';
import { useId, useState } from 'react';
import type { Address } from 'viem';
import { useSignMessage } from 'wagmi';
import { bindPayoutAddress } from '../../lib/client/api';
import { payoutBindingMessage } from '../../lib/settlement/pricing';
import { sameAddress } from '../../lib/wallet/address';
import { describeWalletError, type WalletProblem } from '../../lib/wallet/errors';
import { ExplorerLink } from '../wallet/explorer-link';
import { useWallet } from '../wallet/use-wallet';
import { WalletProblemNotice } from '../wallet/wallet-problem';
import { WalletRequirement } from '../wallet/wallet-requirement';

/**
 * "Get paid": this tab's verified work on paid jobs is paid to an address once its wallet signs for it
 * (POST /api/contributors/:sessionId/payout-address). Optional, and absent when payments are off.
 */
export function PayoutCard({
  sessionId,
  boundAddress,
}: {
  sessionId: string | null;
  /** The binding the coordinator reports for this session, if any. */
  boundAddress: Address | null;
}) {
  const id = useId();
  const wallet = useWallet();
  const sign = useSignMessage();
  const [bound, setBound] = useState<Address | null>(null);
  const [busy, setBusy] = useState<'sign' | 'send' | null>(null);
  const [problem, setProblem] = useState<WalletProblem | null>(null);
  if (!wallet.info) return null;
  const { info } = wallet;
  const payout = bound ?? boundAddress;

  async function onSign() {
    if (!sessionId || !wallet.address) return;
    const address = wallet.address;
    setProblem(null);
    try {
      setBusy('sign');
      const signature = await sign.mutateAsync({
        message: payoutBindingMessage(sessionId, address, info.chainId),
      });
      setBusy('send');
      const result = await bindPayoutAddress(sessionId, { address, signature, chainId: info.chainId });
      setBound(result.address);
    } catch (cause) {
      setProblem(describeWalletError(cause, { action: 'signature' }));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card payout" aria-labelledby={`${id}-title`} data-testid="payout-card">
      <h2 id={`${id}-title`}>Get paid</h2>
      <p className="muted">
        Paid jobs pay for verified work in ether on {info.chainName}. Sign once with your wallet and this
        tab’s credit is paid to your address. Optional: contributing works without it.
      </p>
      {payout ? (
        <>
          <p className="payout__bound">
            Payouts from this tab go to{' '}
            <span className="mono payout__address" data-testid="payout-address">
              <ExplorerLink target="address" value={payout}>
                {payout}
              </ExplorerLink>
            </span>
          </p>
          {wallet.address && !sameAddress(wallet.address, payout) ? (
            <p className="hint">
              Your wallet now shows another address. A tab keeps its payout address: open a new contribute tab
              to be paid to that one.
            </p>
          ) : null}
          <p>
            <Link href={`/claims?address=${payout}`} data-testid="claims-link">
              See your earnings and claim them
            </Link>
          </p>
        </>
      ) : (
        <WalletRequirement purpose="to be paid for your work" needsChain={false}>
          <div className="button-row">
            <button
              type="button"
              className="button button--primary"
              onClick={() => void onSign()}
              disabled={!sessionId || busy !== null}
              data-testid="sign-payout-button"
            >
              {busy === 'sign'
                ? 'Sign in your wallet…'
                : busy === 'send'
                  ? 'Saving…'
                  : 'Sign to receive payouts'}
            </button>
          </div>
          <p className="hint">
            {sessionId
              ? 'The signature costs no gas: it proves the address is yours, and nothing is sent.'
              : 'Waiting for this tab’s contributor session…'}
          </p>
        </WalletRequirement>
      )}
      {problem ? <WalletProblemNotice problem={problem} testId="payout-error" /> : null}
    </section>
  );
}
