import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem';
import { lumengridEscrowAbi, lumengridEscrowBytecode } from './artifacts/lumengrid-escrow';

export interface EscrowRoles {
  coordinator: Address;
  arbiter: Address;
  /** Seconds a settlement can be disputed before it is final. */
  challengeWindowSeconds: number;
}

/** Deploys the escrow and waits for its receipt; returns the contract address. */
export async function deployEscrow(
  wallet: WalletClient<Transport, Chain, Account>,
  publicClient: PublicClient,
  roles: EscrowRoles,
): Promise<Address> {
  const hash = await wallet.deployContract({
    abi: lumengridEscrowAbi,
    bytecode: lumengridEscrowBytecode,
    args: [roles.coordinator, roles.arbiter, BigInt(roles.challengeWindowSeconds)],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress || receipt.status !== 'success')
    throw new Error(`escrow deployment failed: ${hash}`);
  return receipt.contractAddress;
}
