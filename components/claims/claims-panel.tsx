'use client';

import { type FormEvent, useId, useState } from 'react';
import type { Address } from 'viem';
import { formatEther } from '../../lib/settlement/pricing';
import { parseAddress, sameAddress, shortAddress } from '../../lib/wallet/address';
import { describeWindow } from '../../lib/wallet/errors';
import { ExplorerLink } from '../wallet/explorer-link';
import { useWallet } from '../wallet/use-wallet';
import { WalletOptions } from '../wallet/wallet-options';
import { useWalletChain } from '../wallet/wallet-provider';
import { ClaimAction } from './claim-action';
import { ClaimTransactions } from './claim-transactions';
import { ClaimsHistory } from './claims-history';
import { useClaims } from './use-claims';

/**
 * What an address earned on paid jobs: pending (verified, not yet final), claimable (final, not claimed)
 * and claimed, with the claim button, the settlements it was in and the jobs it worked on. The address is
 * the connected wallet's, or one typed in (or given as ?address=) to look it up.
 */
export function ClaimsPanel({ initialAddress }: { initialAddress: string | null }) {
  const chain = useWalletChain();
  const wallet = useWallet();
  const [lookup, setLookup] = useState<Address | null>(() => parseAddress(initialAddress ?? ''));

  if (chain.status === 'loading') {
    return (
      <p className="muted" aria-live="polite">
        Loading the payment settings…
      </p>
    );
  }
  if (chain.status === 'disabled') {
    return (
      <div className="card notice" data-testid="payments-off">
        <p className="notice__title">There is nothing to claim here: this coordinator takes no payments.</p>
        <p>{chain.reason}</p>
      </div>
    );
  }
  const address = lookup ?? wallet.address ?? null;

  return (
    <div className="stack">
      <section className="card claims-who" aria-label="Whose earnings">
        <AddressPicker
          shown={address}
          lookingUp={lookup !== null}
          onLookup={setLookup}
          onUseWallet={wallet.address ? () => setLookup(null) : null}
        />
        {!address && !wallet.connected ? (
          <div className="claims-who__connect">
            <p className="muted">Or connect the wallet your contributions pay to:</p>
            <WalletOptions />
          </div>
        ) : null}
      </section>
      <p className="hint claims-window">
        Settlements become claimable {describeWindow(chain.info.challengeWindowSeconds)} after they are posted
        unless a requestor disputes them.
      </p>
      {address ? <AddressClaims key={address} address={address} /> : null}
    </div>
  );
}

function AddressPicker({
  shown,
  lookingUp,
  onLookup,
  onUseWallet,
}: {
  shown: Address | null;
  lookingUp: boolean;
  onLookup: (address: Address) => void;
  onUseWallet: (() => void) | null;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const [invalid, setInvalid] = useState(false);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = parseAddress(text);
    setInvalid(parsed === null);
    if (parsed) {
      onLookup(parsed);
      setText('');
    }
  }

  return (
    <>
      <p className="claims-who__shown">
        {shown ? (
          <>
            Showing{' '}
            <span className="mono" data-testid="claims-address" title={shown}>
              <ExplorerLink target="address" value={shown}>
                {shown}
              </ExplorerLink>
            </span>{' '}
            <span className="muted">{lookingUp ? '(looked up)' : '(your wallet)'}</span>
            {lookingUp && onUseWallet ? (
              <>
                {' '}
                <button type="button" className="link-button" onClick={onUseWallet}>
                  Show my wallet instead
                </button>
              </>
            ) : null}
          </>
        ) : (
          'Connect your wallet, or paste an address to see what it earned.'
        )}
      </p>
      <form className="claims-who__form" onSubmit={onSubmit} noValidate>
        <div className="field">
          <label htmlFor={`${id}-address`}>Look up an address</label>
          <input
            id={`${id}-address`}
            value={text}
            onChange={(event) => {
              setText(event.target.value);
              setInvalid(false);
            }}
            placeholder="0x…"
            spellCheck={false}
            autoComplete="off"
            aria-invalid={invalid || undefined}
            aria-describedby={invalid ? `${id}-invalid` : undefined}
            data-testid="claims-lookup"
          />
        </div>
        <button type="submit" className="button button--secondary">
          Look up
        </button>
      </form>
      {invalid ? (
        <p id={`${id}-invalid`} className="error-text small" role="alert">
          That is not an Ethereum address: 0x followed by 40 hex digits.
        </p>
      ) : null}
    </>
  );
}

function AddressClaims({ address }: { address: Address }) {
  const claims = useClaims(address);
  const wallet = useWallet();
  const { view, problem } = claims;

  if (!view) {
    return problem ? (
      <div className="card notice notice--error" role="alert" data-testid="claims-error">
        <p className="notice__title">{problem.message}</p>
        {problem.next.map((step) => (
          <p key={step}>{step}</p>
        ))}
      </div>
    ) : (
      <p className="muted" aria-live="polite">
        Loading what {shortAddress(address)} earned…
      </p>
    );
  }
  const nothingYet =
    view.jobs.length === 0 && view.settlements.length === 0 && BigInt(view.claimedWei) === 0n;

  return (
    <>
      <section className="card claims" aria-labelledby="claims-title">
        <div className="section-head">
          <h2 id="claims-title">Earnings</h2>
          <span className="muted small" data-testid="claims-sessions">
            {view.sessions} contributor {view.sessions === 1 ? 'session pays' : 'sessions pay'} to{' '}
            {sameAddress(address, wallet.address) ? 'your wallet' : 'this address'}
          </span>
        </div>
        <dl className="figures">
          <div className="figure">
            <dt>Pending</dt>
            <dd className="figure__value" data-testid="claims-pending">
              {formatEther(BigInt(view.pendingWei))}
              <span className="figure__unit">verified, not yet final</span>
            </dd>
          </div>
          <div className="figure figure--accent">
            <dt>Claimable</dt>
            <dd className="figure__value" data-testid="claims-claimable">
              {formatEther(BigInt(view.claimableWei))}
              <span className="figure__unit">final, yours to claim</span>
            </dd>
          </div>
          <div className="figure">
            <dt>Claimed</dt>
            <dd className="figure__value" data-testid="claims-claimed">
              {formatEther(BigInt(view.claimedWei))}
              <span className="figure__unit">already paid out</span>
            </dd>
          </div>
        </dl>
        <ClaimAction address={address} view={view} onClaimed={claims.refresh} />
        {problem ? (
          <p className="notice notice--warn" role="status">
            Updates are failing: {problem.message}. Retrying.
          </p>
        ) : null}
        {nothingYet ? (
          <p className="empty claims__empty">
            Nothing earned yet. On the Contribute page, “Get paid” signs a tab’s work over to this address;
            verified work on paid jobs then shows here.
          </p>
        ) : null}
      </section>
      {nothingYet ? null : (
        <>
          <ClaimTransactions address={address} claimedWei={view.claimedWei} />
          <ClaimsHistory view={view} />
        </>
      )}
    </>
  );
}
