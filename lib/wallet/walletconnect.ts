/**
 * WalletConnect, for phone wallets (a QR code on a computer, a deep link on the phone itself): on only when
 * the operator's build sets NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID (lib/config/variables.ts PUBLIC_VARIABLES;
 * the project id comes from the WalletConnect/Reown dashboard). Without it nothing about the wallets
 * changes. This module reads the variable, literally, so that Next.js inlines it at build time; it imports
 * nothing, so the request proxy can read it too without bundling wagmi.
 */
export const WALLETCONNECT_PROJECT_ID: string | null =
  process.env.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID?.trim() || null;

/**
 * What the page's Content-Security-Policy must also allow once WalletConnect is on: its relay and RPC, the
 * QR modal's wallet list, images and fonts, and the verify frame (Reown's CSP guidance for AppKit).
 */
export const WALLETCONNECT_CSP: Record<'connect-src' | 'img-src' | 'font-src' | 'frame-src', string[]> = {
  'connect-src': [
    'wss://relay.walletconnect.com',
    'wss://relay.walletconnect.org',
    ...['rpc', 'relay', 'pulse', 'keys', 'notify', 'echo', 'push'].flatMap((host) => [
      `https://${host}.walletconnect.com`,
      `https://${host}.walletconnect.org`,
    ]),
    'https://api.web3modal.com',
    'https://api.web3modal.org',
  ],
  'img-src': [
    'https://walletconnect.org',
    'https://walletconnect.com',
    'https://secure.walletconnect.com',
    'https://secure.walletconnect.org',
    'https://api.web3modal.com',
    'https://api.web3modal.org',
  ],
  'font-src': ['https://fonts.reown.com'],
  'frame-src': [
    'https://verify.walletconnect.com',
    'https://verify.walletconnect.org',
    'https://secure.walletconnect.com',
    'https://secure.walletconnect.org',
  ],
};
