/**
 * The narrow database interface the coordinator uses. One SQL dialect (PostgreSQL) for the embedded
 * default (PGlite) and, later, a shared PostgreSQL server: the domain code never knows which.
 */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

export interface Sql extends SqlExecutor {
  /** Runs `fn` in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Transactions the server aborted (deadlock, serialisation failure) and this pool ran again. */
  readonly retriedTransactions?: number;
  /**
   * Delivers every NOTIFY on `channel` (a lower-case identifier), from any instance, to `onNotify`, on a
   * connection of its own that is reopened when lost; `onReconnect` runs after each reopening (what was
   * notified in between is lost: readers catch up from the tables). Resolves once listening; the returned
   * function stops. Absent on a test's wrapper: events then stay in this process.
   */
  listen?(
    channel: string,
    onNotify: (payload: string) => void,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>>;
  /**
   * A session advisory lock on a connection of its own (leader election among instances): `held()` takes it
   * when free and says whether this instance holds it now; it frees itself when this process or its
   * connection dies. Absent on a test's wrapper: that process always leads.
   */
  sessionLock?(key: number): SessionLock;
  /** Connections of the pool (PostgreSQL only), for the operator's metrics. */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface SessionLock {
  /** Takes the lock if free, checks the connection holding it otherwise; true while this instance holds it. */
  held(): Promise<boolean>;
  release(): Promise<void>;
}

/** NOTIFY and LISTEN take an identifier, not a parameter: only plain names are accepted. */
export function assertChannelName(channel: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
}
