import { type BrowserContext, expect, type Page } from '@playwright/test';
import { createWalletClient, type Hex, http, type PrivateKeyAccount, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';

/**
 * A browser wallet for end-to-end tests: an EIP-1193 provider injected into every page and announced by
 * EIP-6963 (as MetaMask and Rabby announce themselves), whose signing happens in the test process with a
 * local key against the real anvil chain. Each page gets its own key (`wallet.use(page, key)`), so one
 * browser can hold a requestor and contributors. Reads are forwarded to the chain unchanged.
 */
export const TEST_WALLET_NAME = 'Lumengrid Test Wallet';

export interface TestWallet {
  /** Gives `page` its own account; call before the page loads the app. */
  use(page: Page, key: Hex): PrivateKeyAccount;
  /** The next wallet prompt on `page` is rejected by the "user" (EIP-1193 error 4001). */
  rejectNext(page: Page): void;
  /** Hashes of the transactions each page sent, in order. */
  sent(page: Page): Hex[];
}

interface PageWallet {
  account: PrivateKeyAccount;
  connected: boolean;
  rejectNext: boolean;
  sent: Hex[];
}

type Rpc = { method: string; params?: unknown[] };

/** eth_signTypedData_v4's JSON (flat structs: what the escrow's RelayedClaim needs). */
interface TypedDataJson {
  domain: { name: string; version: string; chainId: number; verifyingContract: Hex };
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
}

export async function installWallet(context: BrowserContext, rpcUrl: string): Promise<TestWallet> {
  const wallets = new Map<Page, PageWallet>();

  const forward = async ({ method, params }: Rpc) => {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: params ?? [] }),
    });
    const body = (await response.json()) as {
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
    };
    if (body.error) return { error: body.error };
    return { result: body.result };
  };

  const PROMPTS = new Set([
    'eth_requestAccounts',
    'personal_sign',
    'eth_signTypedData_v4',
    'eth_sendTransaction',
    'wallet_switchEthereumChain',
  ]);

  await context.exposeBinding('__lumengridTestWallet', async ({ page }, request: Rpc) => {
    const wallet = wallets.get(page);
    if (!wallet) return { error: { code: 4100, message: 'This page has no test account (wallet.use)' } };
    if (PROMPTS.has(request.method) && wallet.rejectNext) {
      wallet.rejectNext = false;
      return { error: { code: 4001, message: 'User rejected the request.' } };
    }
    const { account } = wallet;
    switch (request.method) {
      case 'eth_requestAccounts':
        wallet.connected = true;
        return { result: [account.address] };
      case 'eth_accounts':
        return { result: wallet.connected ? [account.address] : [] };
      case 'eth_chainId':
        return { result: toHex(foundry.id) };
      case 'net_version':
        return { result: String(foundry.id) };
      case 'wallet_switchEthereumChain': {
        const [{ chainId }] = request.params as [{ chainId: Hex }];
        if (Number(chainId) === foundry.id) return { result: null };
        return { error: { code: 4902, message: `Unrecognized chain ${chainId}` } };
      }
      case 'wallet_requestPermissions':
      case 'wallet_getPermissions':
        return { result: [{ parentCapability: 'eth_accounts' }] };
      case 'wallet_revokePermissions':
        wallet.connected = false;
        return { result: null };
      case 'personal_sign': {
        const [message] = request.params as [Hex, string];
        return { result: await account.signMessage({ message: { raw: message } }) };
      }
      case 'eth_signTypedData_v4': {
        // What a wallet shows and signs: the JSON viem sends, numbers as decimal strings.
        const [, json] = request.params as [Hex, string];
        const { domain, types, primaryType, message } = JSON.parse(json) as TypedDataJson;
        const { EIP712Domain: _, ...messageTypes } = types;
        const fields = messageTypes[primaryType] ?? [];
        const values = Object.fromEntries(
          fields.map(({ name, type }) => [
            name,
            /^u?int/.test(type) ? BigInt(message[name] as string) : message[name],
          ]),
        );
        return {
          result: await account.signTypedData({ domain, types: messageTypes, primaryType, message: values }),
        };
      }
      case 'eth_sendTransaction': {
        const [tx] = request.params as [{ to?: Hex; data?: Hex; value?: Hex; gas?: Hex }];
        const client = createWalletClient({ account, chain: foundry, transport: http(rpcUrl) });
        try {
          const hash = await client.sendTransaction({
            to: tx.to,
            data: tx.data,
            value: tx.value ? BigInt(tx.value) : undefined,
            gas: tx.gas ? BigInt(tx.gas) : undefined,
          });
          wallet.sent.push(hash);
          return { result: hash };
        } catch (error) {
          const e = error as { shortMessage?: string; message: string };
          return { error: { code: -32000, message: e.shortMessage ?? e.message } };
        }
      }
      default:
        return forward(request);
    }
  });

  await context.addInitScript(
    ({ name }) => {
      type Listener = (...args: unknown[]) => void;
      const listeners = new Map<string, Set<Listener>>();
      const bridge = (
        window as unknown as {
          __lumengridTestWallet: (
            r: unknown,
          ) => Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }>;
        }
      ).__lumengridTestWallet;
      const provider = {
        isLumengridTestWallet: true,
        async request(args: { method: string; params?: unknown[] }) {
          const answer = await bridge({ method: args.method, params: args.params ?? [] });
          if (answer.error) {
            const error = new Error(answer.error.message) as Error & { code: number; data?: unknown };
            error.code = answer.error.code;
            error.data = answer.error.data;
            throw error;
          }
          if (args.method === 'eth_requestAccounts') {
            for (const listener of listeners.get('accountsChanged') ?? []) listener(answer.result);
            for (const listener of listeners.get('connect') ?? []) listener({ chainId: '0x7a69' });
          }
          return answer.result;
        },
        on(event: string, listener: Listener) {
          if (!listeners.has(event)) listeners.set(event, new Set());
          listeners.get(event)?.add(listener);
          return provider;
        },
        removeListener(event: string, listener: Listener) {
          listeners.get(event)?.delete(listener);
          return provider;
        },
      };
      const icon =
        'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxNiAxNiI+PHJlY3Qgd2lkdGg9IjE2IiBoZWlnaHQ9IjE2IiByeD0iMyIgZmlsbD0iIzZjZiIvPjwvc3ZnPg==';
      const detail = Object.freeze({
        info: { uuid: '8f1e2f59-7c5d-4d35-9e8a-2f0f8f0d5c11', name, icon, rdns: 'dev.lumengrid.testwallet' },
        provider,
      });
      const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
      window.addEventListener('eip6963:requestProvider', announce);
      announce();
    },
    { name: TEST_WALLET_NAME },
  );

  return {
    use(page, key) {
      const account = privateKeyToAccount(key);
      wallets.set(page, { account, connected: false, rejectNext: false, sent: [] });
      return account;
    },
    rejectNext(page) {
      const wallet = wallets.get(page);
      if (wallet) wallet.rejectNext = true;
    },
    sent: (page) => wallets.get(page)?.sent ?? [],
  };
}

/** JSON-RPC to the test chain: balances, time travel, funding. */
export function chainRpc(rpcUrl: string) {
  const call = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = (await response.json()) as { result: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
  return {
    call,
    balance: async (address: Hex) => BigInt(await call<Hex>('eth_getBalance', [address, 'latest'])),
    fund: (address: Hex, wei: bigint) => call('anvil_setBalance', [address, toHex(wei)]),
    /** Moves the chain's clock on and mines a block, so a challenge window can pass in a test. */
    async advance(seconds: number) {
      await call('evm_increaseTime', [toHex(seconds)]);
      await call('evm_mine');
    },
    /** What a mined transaction cost its sender in gas. */
    async gasCost(hash: Hex) {
      const receipt = await call<{ gasUsed: Hex; effectiveGasPrice: Hex }>('eth_getTransactionReceipt', [
        hash,
      ]);
      return BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
    },
  };
}

/** Connects the app on `page` to the test wallet through the wallet menu, as a person would. */
export async function connectWallet(page: Page) {
  await page.getByTestId('wallet-button').click();
  await page
    .getByTestId('wallet-menu')
    .getByTestId('wallet-option')
    .filter({ hasText: TEST_WALLET_NAME })
    .click();
  await expect(page.getByTestId('wallet-address')).toBeVisible();
  await page.keyboard.press('Escape');
}
