'use client';

import Link from 'next/link';
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { useDisconnect } from 'wagmi';
import { formatEther } from '../../lib/settlement/pricing';
import { shortAddress } from '../../lib/wallet/address';
import { ExplorerLink } from './explorer-link';
import { FaucetButton } from './faucet-button';
import { SwitchChainButton } from './switch-chain-button';
import { useWallet, useWalletBalance } from './use-wallet';
import { WalletOptions } from './wallet-options';

/**
 * The header's wallet button. Disconnected: "Connect wallet" opens the list of this browser's wallets.
 * Connected: the short address and network; the panel has the balance, "Switch to <chain>" when the
 * wallet is elsewhere, test ether on the local chain, and disconnect. Nothing shows when payments are off.
 */
export function ConnectWallet() {
  const wallet = useWallet();
  const id = useId();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);

  // A press anywhere else closes the panel, as menus do.
  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  // Keyboard users land in the panel when it opens.
  useEffect(() => {
    if (open) panel.current?.querySelector<HTMLElement>('button, a, [tabindex]')?.focus();
  }, [open]);

  if (!wallet.info) return null;
  const { info } = wallet;

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && open) {
      setOpen(false);
      button.current?.focus();
    }
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere inside closes the panel.
    <div className="wallet" ref={root} onKeyDown={onKeyDown}>
      <button
        ref={button}
        type="button"
        className={`wallet-button ${wallet.wrongChain ? 'wallet-button--warn' : ''}`}
        aria-expanded={open}
        aria-controls={`${id}-panel`}
        onClick={() => setOpen((o) => !o)}
        data-testid="wallet-button"
      >
        {wallet.connected && wallet.address ? (
          <>
            <span className="wallet-button__dot" aria-hidden="true" />
            <span className="mono" data-testid="wallet-address" title={wallet.address}>
              {shortAddress(wallet.address)}
            </span>
            <span className="wallet-button__chain">
              {wallet.wrongChain ? 'wrong network' : info.chainName}
            </span>
          </>
        ) : (
          'Connect wallet'
        )}
      </button>
      {open ? (
        <div className="wallet-panel" id={`${id}-panel`} ref={panel} data-testid="wallet-menu">
          {wallet.connected && wallet.address ? (
            <ConnectedPanel onDone={() => setOpen(false)} />
          ) : (
            <>
              <p className="wallet-panel__title">Connect a wallet</p>
              <p className="hint wallet-panel__hint">
                Only paid jobs and payouts need one, on {info.chainName}.
              </p>
              <WalletOptions onConnected={() => setOpen(false)} />
            </>
          )}
        </div>
      ) : null}
    </div>
  );
}

function ConnectedPanel({ onDone }: { onDone: () => void }) {
  const wallet = useWallet();
  const balance = useWalletBalance();
  const disconnect = useDisconnect();
  if (!wallet.info || !wallet.address) return null;
  return (
    <>
      <p className="wallet-panel__title">{wallet.connectorName ?? 'Wallet'}</p>
      <p className="mono wallet-panel__address">
        <ExplorerLink target="address" value={wallet.address}>
          {wallet.address}
        </ExplorerLink>
      </p>
      <p className="wallet-panel__balance" data-testid="wallet-balance">
        {balance.wei === undefined ? 'Balance …' : formatEther(balance.wei)}
        <span className="muted small"> on {wallet.info.chainName}</span>
      </p>
      {wallet.wrongChain ? (
        <p className="notice notice--warn small">
          Your wallet is on another network. Payments here use {wallet.info.chainName}.
        </p>
      ) : null}
      <div className="wallet-panel__actions">
        <SwitchChainButton />
        <FaucetButton />
        <Link className="button button--ghost" href="/claims" onClick={onDone}>
          Your earnings
        </Link>
        <button
          type="button"
          className="button button--ghost"
          onClick={() => {
            disconnect.mutate();
            onDone();
          }}
          data-testid="disconnect-button"
        >
          Disconnect
        </button>
      </div>
    </>
  );
}
