import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { assertChannelName, type Sql, type SqlExecutor } from './sql';

/**
 * The embedded database: PostgreSQL compiled to WASM, persisted in a folder.
 *
 * PGlite must be opened by one process per folder, ever: two processes on one folder corrupted it for good
 * in a probe here. A lock file holding the owner's PID refuses a second opener with a clear message, and a
 * lock left by a killed process (kill -9) is taken over.
 */
export async function openPglite(dataDir: string | null): Promise<Sql> {
  let releaseLock = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    const release = acquireFolderLock(join(dataDir, '..', `${dataDirName(dataDir)}.lock`));
    // Servers may exit without awaiting close() (Next.js exits on SIGTERM itself): drop the lock regardless.
    const onExit = () => release();
    process.once('exit', onExit);
    releaseLock = () => {
      process.off('exit', onExit);
      release();
    };
  }
  try {
    const db = await PGlite.create(dataDir ?? undefined, {
      serializers: { [BYTEA_OID]: serializeBytea },
      parsers: { [BYTEA_OID]: parseBytea },
    });
    return wrap(db, releaseLock);
  } catch (cause) {
    releaseLock();
    throw new Error(`Could not open the embedded database in ${dataDir ?? 'memory'}: ${String(cause)}`, {
      cause,
    });
  }
}

/**
 * bytea in and out through Node's native hex codec. PGlite's own converts byte by byte in JavaScript, which
 * cost more than everything else a result submission does (results and tile sums are megabytes).
 */
const BYTEA_OID = 17;

function serializeBytea(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

function parseBytea(text: string): Uint8Array {
  // A copy of its own: a small Buffer shares a pooled ArrayBuffer, and callers read `.buffer`.
  return new Uint8Array(Buffer.from(text.slice(2), 'hex'));
}

function dataDirName(dir: string): string {
  return dir.replace(/\/+$/, '').split('/').pop() || 'data';
}

function executor(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<Row>(text: string, params?: unknown[]) {
      const result = await db.query<Row>(text, params);
      return result.rows;
    },
  };
}

function wrap(db: PGlite, releaseLock: () => void): Sql {
  return {
    ...executor(db),
    transaction: (fn) => db.transaction((tx) => fn(executor(tx))),
    async listen(channel, onNotify) {
      // One process holds the folder, so its notifications only ever reach itself; the interface is the
      // shared server's all the same.
      assertChannelName(channel);
      const stop = await db.listen(channel, onNotify);
      return async () => {
        await stop().catch(() => {});
      };
    },
    sessionLock() {
      // The only instance on this folder: it always leads.
      return { held: async () => true, release: async () => {} };
    },
    async close() {
      try {
        await db.close();
      } finally {
        releaseLock();
      }
    },
  };
}

function acquireFolderLock(lockPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lockPath, 'utf8').trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `The database folder is in use by process ${owner}. Stop that Lumengrid server first, or set LUMENGRID_DATA_DIR to another folder.`,
        );
      }
      // The owner is gone (killed or crashed): its lock is stale.
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
