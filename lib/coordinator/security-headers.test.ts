import { describe, expect, it } from 'vitest';
import { WALLETCONNECT_CSP } from '../wallet/walletconnect';
import { contentSecurityPolicy } from './security-headers';

const directive = (csp: string, name: string) =>
  csp
    .split('; ')
    .find((d) => d.startsWith(`${name} `))
    ?.split(' ')
    .slice(1) ?? null;

describe('the Content-Security-Policy', () => {
  it('allows the chain’s public RPC and nothing else foreign', () => {
    const csp = contentSecurityPolicy({ nonce: 'n0nce', rpcUrl: 'https://rpc.example/sepolia?key=1' });
    expect(directive(csp, 'connect-src')).toEqual(["'self'", 'https://rpc.example']);
    expect(directive(csp, 'frame-src')).toBeNull(); // default-src 'self'
    expect(csp).not.toContain('walletconnect');
  });

  it('lets WalletConnect reach its relay, show its QR modal and verify frame once it is on', () => {
    const csp = contentSecurityPolicy({
      nonce: 'n0nce',
      rpcUrl: 'http://127.0.0.1:8545',
      extra: WALLETCONNECT_CSP,
    });
    expect(directive(csp, 'connect-src')).toEqual(
      expect.arrayContaining(["'self'", 'http://127.0.0.1:8545', 'wss://relay.walletconnect.org']),
    );
    expect(directive(csp, 'frame-src')).toEqual(["'self'", ...WALLETCONNECT_CSP['frame-src']]);
    expect(directive(csp, 'img-src')).toEqual(
      expect.arrayContaining(["'self'", 'data:', 'https://api.web3modal.org']),
    );
    // Scripts stay this origin's and the nonce's only.
    expect(directive(csp, 'script-src')).toEqual(["'self'", "'nonce-n0nce'", "'strict-dynamic'"]);
  });
});
