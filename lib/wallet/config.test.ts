import { describe, expect, it } from 'vitest';
import { parseAddress, sameAddress, shortAddress } from './address';
import {
  createInertConfig,
  createWalletConfig,
  type EnabledChainInfo,
  escrowChain,
  INERT_CHAIN_ID,
} from './config';

const INFO: EnabledChainInfo = {
  enabled: true,
  chainId: 31337,
  chainName: 'Anvil',
  explorer: null,
  rpcUrl: 'http://127.0.0.1:8545',
  escrowAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  challengeWindowSeconds: 120,
  disputeBondWei: '10000000000000000',
  priceWeiPerPixelSample: '1000000000',
  faucet: true,
};

describe('wallet config', () => {
  it('describes the escrow’s chain from GET /api/chain', () => {
    const chain = escrowChain(INFO);
    expect(chain).toMatchObject({ id: 31337, name: 'Anvil', testnet: true });
    expect(chain.rpcUrls.default.http).toEqual(['http://127.0.0.1:8545']);
    expect(chain.nativeCurrency.symbol).toBe('ETH');
    expect(escrowChain({ ...INFO, chainId: 11155111, chainName: 'Sepolia', faucet: false }).testnet).toBe(
      false,
    );
  });

  it('offers WalletConnect for phone wallets only with a project id', () => {
    const phone = createWalletConfig(INFO, { walletConnectProjectId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' });
    expect(phone.connectors.map((c) => [c.id, c.name])).toEqual([
      ['injected', 'Injected'],
      ['walletConnect', 'WalletConnect'],
    ]);
    expect(createWalletConfig(INFO, { walletConnectProjectId: null }).connectors.map((c) => c.id)).toEqual([
      'injected',
    ]);
  });

  it('has exactly that chain and the injected connector', () => {
    const config = createWalletConfig(INFO);
    expect(config.chains.map((c) => c.id)).toEqual([31337]);
    // This build has no NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: nothing but the browser's wallets.
    expect(config.connectors.map((c) => c.id)).toEqual(['injected']);
    expect(config._internal.ssr).toBe(true);
  });

  it('has an inert stand-in with no wallets on no real chain', () => {
    const config = createInertConfig();
    expect(config.chains.map((c) => c.id)).toEqual([INERT_CHAIN_ID]);
    expect(config.connectors).toHaveLength(0);
    expect(config.storage).toBeNull();
  });
});

describe('addresses', () => {
  it('shortens, parses and compares', () => {
    expect(shortAddress(INFO.escrowAddress)).toBe('0x5FbD…0aa3');
    expect(parseAddress('  0x5fbdb2315678afecb367f032d93f642f64180aa3 ')).toBe(INFO.escrowAddress);
    expect(parseAddress('0x5fbd')).toBeNull();
    expect(sameAddress(INFO.escrowAddress, INFO.escrowAddress.toLowerCase())).toBe(true);
    expect(sameAddress(null, INFO.escrowAddress)).toBe(false);
  });
});
