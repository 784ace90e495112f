import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPglite } from './pglite';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDataDir() {
  const root = mkdtempSync(join(tmpdir(), 'lumengrid-db-'));
  dirs.push(root);
  return join(root, 'db');
}

/** Starts the child, waits until it reports `commits` commits, then kills it with SIGKILL. */
function commitThenKill(dataDir: string, commits: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, '../../testing/pglite-crash-child.ts'),
        dataDir,
        String(commits),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes(`committed ${commits - 1}\n`)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(out) : reject(new Error(`child exited: ${out}`)),
    );
  });
}

describe('embedded database', () => {
  it('keeps every committed transaction when the process is killed with SIGKILL', async () => {
    const dataDir = tempDataDir();
    await commitThenKill(dataDir, 25);
    // The dead process's lock is stale; reopening takes it over.
    const db = await openPglite(dataDir);
    try {
      const rows = await db.query<{ count: number; sum: number }>(
        'SELECT count(*)::int AS count, sum(n)::int AS sum FROM crash_probe',
      );
      expect(rows[0]).toEqual({ count: 25, sum: (24 * 25) / 2 });
      const [versions] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(versions?.n).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('refuses a second opener of one folder while the first is alive', async () => {
    const dataDir = tempDataDir();
    const first = await openPglite(dataDir);
    try {
      // Same process: simulate another live owner by writing our parent's PID into the lock.
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dataDir, '..', 'db.lock'), String(process.ppid));
      await expect(openPglite(dataDir)).rejects.toThrow(/in use by process/);
    } finally {
      await first.close();
    }
  });
});
