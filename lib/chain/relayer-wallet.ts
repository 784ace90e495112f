import {
  type Account,
  type Chain,
  createWalletClient,
  type Hex,
  http,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

/**
 * The wallet that sends relayed claims for contributors without ETH (lib/settlement/relay-offer.ts): a key
 * of its own (LUMENGRID_RELAYER_KEY), never the coordinator's, so the two never race for nonces.
 */
export interface RelayerContext {
  wallet: WalletClient<Transport, Chain, Account>;
  /** The share of a claim the relayer keeps, in basis points (1/100 of a percent). */
  feeBps: number;
}

export function createRelayer(options: {
  rpcUrl: string;
  chain: Chain;
  relayerKey: Hex;
  feeBps: number;
}): RelayerContext {
  const account = privateKeyToAccount(options.relayerKey);
  const wallet = createWalletClient({
    account,
    chain: options.chain,
    transport: http(options.rpcUrl, { retryCount: 2, timeout: 15_000 }),
  });
  return { wallet, feeBps: options.feeBps };
}
