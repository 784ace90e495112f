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
  close(): Promise<void>;
}
