import { describe, expect, it } from 'vitest';
import { explorerUrl } from '../wallet/explorer';
import { chainFor, chainNaming } from './known-chains';

const TX = `0x${'ab'.repeat(32)}` as const;
const ADDRESS = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('chain names and explorers from viem’s chain list', () => {
  it('names testnets and mainnets with their explorer', () => {
    expect(chainNaming(11155111)).toEqual({
      name: 'Sepolia',
      explorer: { name: 'Etherscan', url: 'https://sepolia.etherscan.io' },
      local: false,
    });
    expect(chainNaming(84532)).toMatchObject({
      name: 'Base Sepolia',
      explorer: { url: 'https://sepolia.basescan.org' },
    });
    expect(chainNaming(1)).toMatchObject({ name: 'Ethereum', explorer: { url: 'https://etherscan.io' } });
  });

  it('calls anvil “local chain” and links nowhere, and an unknown id by its number', () => {
    expect(chainNaming(31337)).toEqual({ name: 'Local chain (anvil)', explorer: null, local: true });
    // 1337 is also "Tempo" in viem's list; here it is a developer's local chain.
    expect(chainNaming(1337)).toEqual({ name: 'Local chain', explorer: null, local: true });
    expect(chainNaming(987654321987)).toEqual({ name: 'Chain 987654321987', explorer: null, local: false });
  });

  it('talks to a known chain through the operator’s RPC with viem’s description', () => {
    const sepolia = chainFor(11155111, 'https://rpc.example/sepolia');
    expect(sepolia.name).toBe('Sepolia');
    expect(sepolia.rpcUrls.default.http).toEqual(['https://rpc.example/sepolia']);
    expect(sepolia.blockExplorers?.default.url).toBe('https://sepolia.etherscan.io');
    const local = chainFor(31337, 'http://127.0.0.1:8545');
    expect(local).toMatchObject({
      id: 31337,
      name: 'Local chain (anvil)',
      nativeCurrency: { symbol: 'ETH' },
    });
    expect(local.blockExplorers).toBeUndefined();
  });
});

describe('explorer links', () => {
  const etherscan = chainNaming(11155111).explorer;

  it('links a transaction and an address under the explorer', () => {
    expect(explorerUrl(etherscan, 'tx', TX)).toBe(`https://sepolia.etherscan.io/tx/${TX}`);
    expect(explorerUrl(etherscan, 'address', ADDRESS)).toBe(
      `https://sepolia.etherscan.io/address/${ADDRESS}`,
    );
  });

  it('gives no link on a local chain, nor for what is not a hash or an address', () => {
    expect(explorerUrl(chainNaming(31337).explorer, 'tx', TX)).toBeNull();
    expect(explorerUrl(etherscan, 'tx', ADDRESS)).toBeNull();
    expect(explorerUrl(etherscan, 'address', '0x12/../../evil')).toBeNull();
    expect(explorerUrl(etherscan, 'tx', `${TX}?x=1`)).toBeNull();
  });
});
