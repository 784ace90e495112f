import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem';
import { lumengridEscrowAbi, lumengridEscrowBytecode } from './artifacts/lumengrid-escrow';

export interface EscrowRoles {
  /**
   * DEFAULT_ADMIN_ROLE: grants and revokes roles and withdraws forfeited dispute bonds. Never the
   * coordinator's hot key: a leaked coordinator key must not be able to make itself arbiter.
   */
  admin: Address;
  coordinator: Address;
  arbiter: Address;
  /** Seconds a settlement can be disputed before it is final. */
  challengeWindowSeconds: number;
  /** Seconds the arbiter has to resolve a dispute before anyone may expire it (void, bond returned). */
  arbitrationWindowSeconds: number;
  /** The exact ETH a dispute carries (forfeited when the arbiter upholds the settlement). */
  disputeBondWei: bigint;
}

/** Defaults for a local chain: a day to arbitrate, a 0.01 ETH bond. */
export const DEFAULT_ARBITRATION_WINDOW_SECONDS = 24 * 3600;
export const DEFAULT_DISPUTE_BOND_WEI = 10n ** 16n;

/** Deploys the escrow and waits for its receipt; returns the contract address. */
export async function deployEscrow(
  wallet: WalletClient<Transport, Chain, Account>,
  publicClient: PublicClient,
  roles: EscrowRoles,
): Promise<Address> {
  const hash = await wallet.deployContract({
    abi: lumengridEscrowAbi,
    bytecode: lumengridEscrowBytecode,
    args: [
      roles.admin,
      roles.coordinator,
      roles.arbiter,
      BigInt(roles.challengeWindowSeconds),
      BigInt(roles.arbitrationWindowSeconds),
      roles.disputeBondWei,
    ],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress || receipt.status !== 'success')
    throw new Error(`escrow deployment failed: ${hash}`);
  return receipt.contractAddress;
}
