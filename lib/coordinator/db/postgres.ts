import pg from 'pg';
import { UnavailableError } from '../../protocol/errors';
import { assertChannelName, type SessionLock, type Sql, type SqlExecutor } from './sql';

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
    listen: (channel, onNotify, onReconnect) => listen(clientConfig(options), channel, onNotify, onReconnect),
    sessionLock: (key) => sessionLock(clientConfig(options), key),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}

function clientConfig(options: PostgresOptions): pg.ClientConfig {
  return {
    connectionString: options.connectionString,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
    // A connection that sits silent for good (LISTEN, a held lock) must still notice a dead peer.
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
  };
}

/**
 * LISTEN on a client outside the pool (a pooled connection is handed to other queries, and its LISTEN with
 * it). When the connection ends it is reopened with backoff, and onReconnect says notifications were missed.
 */
async function listen(
  config: pg.ClientConfig,
  channel: string,
  onNotify: (payload: string) => void,
  onReconnect?: () => void,
): Promise<() => Promise<void>> {
  assertChannelName(channel);
  let closed = false;
  let current: pg.Client | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let delay = 250;
  const connect = async () => {
    const client = new pg.Client(config);
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onNotify(message.payload);
    });
    client.on('error', () => {});
    client.on('end', () => {
      if (closed || current !== client) return;
      current = undefined;
      reconnectLater();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return client;
  };
  const reconnectLater = () => {
    retry = setTimeout(async () => {
      try {
        current = await connect();
        delay = 250;
        onReconnect?.();
      } catch {
        delay = Math.min(delay * 2, 5_000);
        if (!closed) reconnectLater();
      }
    }, delay);
    retry.unref?.();
  };
  try {
    current = await connect();
  } catch (error) {
    throw unavailable(error);
  }
  return async () => {
    closed = true;
    clearTimeout(retry);
    await current?.end().catch(() => {});
  };
}

/**
 * pg_try_advisory_lock on a client of its own: the lock lives as long as that session, so a killed instance
 * (or one cut off from the server) frees it and the next instance to ask takes it. Each held() is one round
 * trip: it reconnects if needed, takes the lock if this session lacks it, and otherwise proves the session
 * that holds it is still alive.
 */
function sessionLock(config: pg.ClientConfig, key: number): SessionLock {
  let client: pg.Client | undefined;
  let holding = false;
  const drop = () => {
    const old = client;
    client = undefined;
    holding = false;
    void old?.end().catch(() => {});
  };
  return {
    async held() {
      try {
        if (!client) {
          const fresh = new pg.Client(config);
          fresh.on('error', () => {});
          fresh.on('end', () => {
            if (client === fresh) {
              client = undefined;
              holding = false;
            }
          });
          client = fresh;
          await fresh.connect();
        }
        if (holding) {
          await client.query('SELECT 1');
        } else {
          const [row] = (await client.query('SELECT pg_try_advisory_lock($1) AS ok', [key])).rows;
          holding = row?.ok === true;
        }
        return holding;
      } catch {
        drop();
        return false;
      }
    },
    async release() {
      const old = client;
      client = undefined;
      holding = false;
      await old?.end().catch(() => {});
    },
  };
}
