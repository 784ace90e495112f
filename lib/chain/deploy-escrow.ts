import {
  type Account,
  type Address,
  type Chain,
  encodeDeployData,
  type Hex,
  isAddressEqual,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import {
  lumengridEscrowAbi,
  lumengridEscrowBytecode,
  lumengridEscrowDeployedBytecode,
  lumengridEscrowImmutableRanges,
} from './artifacts/lumengrid-escrow';

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
    args: constructorArgs(roles),
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress || receipt.status !== 'success')
    throw new Error(`escrow deployment failed: ${hash}`);
  return receipt.contractAddress;
}

/** What a deployment will cost, estimated before anything is sent. */
export interface DeploymentEstimate {
  gas: bigint;
  /** The most the deployment pays per gas (the chain's current estimate). */
  maxFeePerGas: bigint;
  /** gas × maxFeePerGas: the most it costs (it usually costs less; an L2's L1 data fee comes on top). */
  maxCostWei: bigint;
  deployerBalanceWei: bigint;
}

const constructorArgs = (roles: EscrowRoles) =>
  [
    roles.admin,
    roles.coordinator,
    roles.arbiter,
    BigInt(roles.challengeWindowSeconds),
    BigInt(roles.arbitrationWindowSeconds),
    roles.disputeBondWei,
  ] as const;

/** Estimates the deployment's gas (the node runs the constructor) and price, and reads the deployer's balance. */
export async function estimateDeployment(
  publicClient: PublicClient,
  deployer: Address,
  roles: EscrowRoles,
): Promise<DeploymentEstimate> {
  const data = encodeDeployData({
    abi: lumengridEscrowAbi,
    bytecode: lumengridEscrowBytecode,
    args: constructorArgs(roles),
  });
  const [gas, fees, deployerBalanceWei] = await Promise.all([
    publicClient.estimateGas({ account: deployer, data }),
    publicClient.estimateFeesPerGas(),
    publicClient.getBalance({ address: deployer }),
  ]);
  const maxFeePerGas = fees.maxFeePerGas ?? fees.gasPrice ?? 0n;
  return { gas, maxFeePerGas, maxCostWei: gas * maxFeePerGas, deployerBalanceWei };
}

/** `code` with the immutables' byte ranges zeroed (they hold what the constructor was given). */
function maskImmutables(code: Hex, ranges: readonly { start: number; length: number }[]): string {
  let hex = code.slice(2).toLowerCase();
  for (const { start, length } of ranges) {
    hex = hex.slice(0, start * 2) + '0'.repeat(length * 2) + hex.slice((start + length) * 2);
  }
  return hex;
}

/** Whether on-chain runtime code is the compiled escrow's, but for its immutables (which differ per deployment). */
export function isCompiledEscrowCode(onChain: Hex | undefined): boolean {
  if (!onChain || onChain.length !== lumengridEscrowDeployedBytecode.length) return false;
  return (
    maskImmutables(onChain, lumengridEscrowImmutableRanges) ===
    maskImmutables(lumengridEscrowDeployedBytecode, lumengridEscrowImmutableRanges)
  );
}

/**
 * Checks a deployment: the code at `address` is the compiled escrow (immutables masked), its immutables are
 * the windows and bond asked for, and the roles sit with the addresses named (the deployer holding none it
 * was not given). Returns the problems found, none when it is right.
 */
export async function verifyDeployment(
  publicClient: PublicClient,
  address: Address,
  roles: EscrowRoles,
  deployer?: Address,
): Promise<string[]> {
  const problems: string[] = [];
  if (!isCompiledEscrowCode(await publicClient.getCode({ address }))) {
    problems.push(
      `the code at ${address} is not the compiled LumengridEscrow (rebuilt since? wrong address?)`,
    );
    return problems;
  }
  const contract = { address, abi: lumengridEscrowAbi } as const;
  const read = <T>(functionName: 'challengeWindow' | 'arbitrationWindow' | 'disputeBond') =>
    publicClient.readContract({ ...contract, functionName }) as Promise<T>;
  const [window, arbitration, bond] = await Promise.all([
    read<bigint>('challengeWindow'),
    read<bigint>('arbitrationWindow'),
    read<bigint>('disputeBond'),
  ]);
  if (window !== BigInt(roles.challengeWindowSeconds)) problems.push(`challengeWindow is ${window}`);
  if (arbitration !== BigInt(roles.arbitrationWindowSeconds))
    problems.push(`arbitrationWindow is ${arbitration}`);
  if (bond !== roles.disputeBondWei) problems.push(`disputeBond is ${bond}`);
  const [adminRole, coordinatorRole, arbiterRole] = await Promise.all(
    (['DEFAULT_ADMIN_ROLE', 'COORDINATOR_ROLE', 'ARBITER_ROLE'] as const).map((functionName) =>
      publicClient.readContract({ ...contract, functionName }),
    ),
  );
  const has = (role: Hex, account: Address) =>
    publicClient.readContract({ ...contract, functionName: 'hasRole', args: [role, account] });
  const expected: [string, Hex, Address, boolean][] = [
    ['admin', adminRole as Hex, roles.admin, true],
    ['coordinator', coordinatorRole as Hex, roles.coordinator, true],
    ['arbiter', arbiterRole as Hex, roles.arbiter, true],
    ['the coordinator as admin', adminRole as Hex, roles.coordinator, false],
  ];
  if (deployer && !isAddressEqual(deployer, roles.admin)) {
    expected.push(['the deployer as admin', adminRole as Hex, deployer, false]);
  }
  for (const [what, role, account, should] of expected) {
    if ((await has(role, account)) !== should) {
      problems.push(`${what} (${account}) ${should ? 'lacks' : 'holds'} its role`);
    }
  }
  return problems;
}

/** The environment a coordinator needs for this deployment, one `NAME=value` a line; secrets as placeholders. */
export function deploymentVariables(options: {
  rpcUrl: string;
  chainId: number;
  escrowAddress: Address;
  coordinator: Address;
}): string[] {
  return [
    `LUMENGRID_RPC_URL=${options.rpcUrl}`,
    `LUMENGRID_CHAIN_ID=${options.chainId}`,
    `LUMENGRID_ESCROW_ADDRESS=${options.escrowAddress}`,
    `LUMENGRID_COORDINATOR_KEY=<the private key of ${options.coordinator}>`,
  ];
}
