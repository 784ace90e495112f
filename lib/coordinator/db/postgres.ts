import pg from 'pg';
import { UnavailableError } from '../../protocol/errors';
import type { Sql, SqlExecutor } from './sql';

/**
 * A shared PostgreSQL server (DATABASE_URL): the same schema and queries as the embedded database, for
 * several coordinator instances at once. Values come back as PGlite returns them (int8 as number, numeric
 * as string, bytea as Uint8Array), so the domain code never knows which database it runs on.
 *
 * A lost connection surfaces as UnavailableError (503, "try again"); the pool reconnects on the next query.
 * Deadlocks and serialization failures between instances are retried a few times.
 */
const INT8 = 20;
const BYTEA = 17;

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (value: string) => Number(value);
    if (oid === BYTEA) {
      const parse = pg.types.getTypeParser(BYTEA, format as 'text') as (value: string) => Buffer;
      return (value: string) => {
        const buffer = parse(value);
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      };
    }
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** SQLSTATE classes and codes that mean "the connection, not the query, failed". */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
const RETRY_CODES = new Set(['40001', '40P01']);

/**
 * Every transaction takes this lock first, so writers run one at a time across all instances, as they do on
 * the embedded database. A lease or a verdict updates rows of several contributors, tiles and checks in an
 * order that depends on the data; run concurrently they deadlocked within seconds under a mixed farm
 * (`BENCH_DATABASE_URL=… npm run bench:farm`: PostgreSQL aborted one transaction a second, and each cost
 * its deadlock_timeout of a stall). A transaction here is milliseconds, and device-sized units need about
 * one lease and one submission per device every few seconds (docs/design.md, "Work"); reads outside
 * transactions stay concurrent.
 */
const WRITER_LOCK = 7_245_003;

function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && (CONNECTION_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  if (e.code && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND'].includes(e.code))
    return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    e.message ?? '',
  );
}

function unavailable(cause: unknown): UnavailableError {
  return new UnavailableError('The database is not reachable right now', {
    cause,
    metaMessages: ['Nothing was changed. Try again in a few seconds.'],
  });
}

export interface PostgresOptions {
  connectionString: string;
  /** Connections in this instance's pool. */
  max?: number;
  /** Schema to use (tests isolate themselves in one); default the server's search_path. */
  schema?: string;
}

export async function openPostgres(options: PostgresOptions): Promise<Sql> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    // Under a burst, waiting for a free connection beats failing: contributors would only retry.
    connectionTimeoutMillis: 15_000,
    idleTimeoutMillis: 30_000,
    types,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
  });
  // An idle client whose server went away must not crash the process; the next query reconnects.
  pool.on('error', () => {});

  const run = async <Row>(client: pg.Pool | pg.PoolClient, text: string, params?: unknown[]) => {
    try {
      const result = await client.query(text, params as unknown[]);
      return result.rows as Row[];
    } catch (error) {
      if (isConnectionError(error)) throw unavailable(error);
      throw error;
    }
  };
  const executor = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    query: (text, params) => run(client, text, params),
  });

  // Fail now, with the reason, rather than at the first request.
  await run(pool, 'SELECT 1');

  let retriedTransactions = 0;
  return {
    ...executor(pool),
    get retriedTransactions() {
      return retriedTransactions;
    },
    async transaction(fn) {
      for (let attempt = 0; ; attempt++) {
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (error) {
          throw unavailable(error);
        }
        let broken = false;
        // A connection cut while checked out is reported on the client, not the pool: the query in flight
        // fails with it anyway, so the event itself needs no handling beyond not crashing the process.
        const ignore = () => {};
        client.on('error', ignore);
        try {
          await run(client, 'BEGIN');
          await run(client, 'SELECT pg_advisory_xact_lock($1)', [WRITER_LOCK]);
          const result = await fn(executor(client));
          await run(client, 'COMMIT');
          return result;
        } catch (error) {
          broken = isConnectionError(error) || error instanceof UnavailableError;
          if (!broken) await client.query('ROLLBACK').catch(() => {});
          const code = (error as { code?: string }).code;
          if (!broken && code && RETRY_CODES.has(code) && attempt < 4) {
            retriedTransactions++;
            continue;
          }
          throw error;
        } finally {
          client.off('error', ignore);
          client.release(broken);
        }
      }
    },
    close: () => pool.end(),
  };
}
