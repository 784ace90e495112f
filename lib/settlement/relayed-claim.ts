import type { Address } from 'viem';

/**
 * The EIP-712 message a contributor signs so that a relayer may send its claim (LumengridEscrow
 * `claimRelayed`) and keep `fee` of it: the wallet signs for free, so a contributor with no ETH for gas is
 * paid all the same. Shared by the claims page (which asks the wallet to sign it) and the coordinator's relay
 * (which checks it before spending gas); the contract checks it again.
 */
export interface RelayedClaim {
  account: Address;
  cumulativeAmount: bigint;
  relayer: Address;
  fee: bigint;
}

export const RELAYED_CLAIM_TYPES = {
  RelayedClaim: [
    { name: 'account', type: 'address' },
    { name: 'cumulativeAmount', type: 'uint256' },
    { name: 'relayer', type: 'address' },
    { name: 'fee', type: 'uint256' },
  ],
} as const;

/** What `signTypedData` takes (viem and wagmi alike) for `claim` on the escrow at `escrow` on `chainId`. */
export function relayedClaimTypedData(chainId: number, escrow: Address, claim: RelayedClaim) {
  return {
    domain: { name: 'LumengridEscrow', version: '1', chainId, verifyingContract: escrow },
    types: RELAYED_CLAIM_TYPES,
    primaryType: 'RelayedClaim' as const,
    message: claim,
  };
}

/** A signature's hex, bounded: 65 bytes for an ordinary account, more for a contract account (ERC-1271). */
export const MAX_RELAY_SIGNATURE_BYTES = 1024;
