import type { EscrowClient } from '../chain/escrow-client';
import type { RelayerContext } from '../chain/relayer-wallet';
import type { Sql } from './db/sql';

/** What every coordinator operation needs. Tests build one with an in-memory database and a fake clock. */
export interface CoordinatorContext {
  db: Sql;
  /** ms since epoch; injected so lease expiry is testable without sleeping. */
  now: () => number;
  /** How long a contributor may hold a unit before it goes to someone else. */
  leaseTtlMs: number;
  /** Called after a job's progress changed (results accepted, job created). */
  onJobChanged: (jobId: string) => void;
  /** The escrow this coordinator settles on; null (or absent) when payments are off: every job is unpaid. */
  payments?: PaymentsContext | null;
  /**
   * Rate-limit buckets shared with the other instances on this database (SqlRateLimits); absent, each
   * process limits what reaches it (the embedded database has one process).
   */
  rateLimits?: {
    tryTake(
      name: string,
      limit: { burst: number; perSecond: number },
      key: string,
    ): Promise<{ retryAfterSeconds: number } | null>;
  } | null;
}

export interface PaymentsContext {
  escrow: EscrowClient;
  /** Price of one verified pixel-sample for new jobs. */
  priceWeiPerPixelSample: bigint;
  /** The RPC URL browsers (wagmi) read the chain through; the coordinator's own may be internal. */
  publicRpcUrl: string;
  /** Claims relayed for contributors without ETH (lib/settlement/relay.ts); absent or null when off. */
  relay?: RelayerContext | null;
}

export const DEFAULT_LEASE_TTL_MS = 120_000;
