'use client';

import type { ReactNode } from 'react';
import { shortAddress } from '../../lib/wallet/address';
import { SwitchChainButton } from './switch-chain-button';
import { useWallet } from './use-wallet';
import { WalletOptions } from './wallet-options';

/**
 * What stands between the person and a payment action, in place: connect a wallet, or switch it to the
 * escrow's network. Renders `children` (the action) once the wallet is ready.
 */
export function WalletRequirement({
  purpose,
  needsChain = true,
  children,
}: {
  /** "to pay for this job": finishes "Connect a wallet …". */
  purpose: string;
  /** Signing a message works on any network; transactions need the escrow's. */
  needsChain?: boolean;
  children?: ReactNode;
}) {
  const wallet = useWallet();
  if (!wallet.info) return null;
  if (!wallet.connected) {
    return (
      <div className="wallet-requirement" data-testid="wallet-required">
        <p className="wallet-requirement__text">Connect a wallet {purpose}.</p>
        <WalletOptions />
      </div>
    );
  }
  if (needsChain && wallet.wrongChain) {
    return (
      <div className="wallet-requirement" data-testid="wrong-chain">
        <p className="wallet-requirement__text">
          Your wallet {wallet.address ? <span className="mono">{shortAddress(wallet.address)}</span> : null}{' '}
          is on another network; this needs {wallet.info.chainName}.
        </p>
        <SwitchChainButton />
      </div>
    );
  }
  return <>{children}</>;
}
