// `npm run bench:coordinator`: the coordinator under load, over loopback HTTP only. N simulated contributors
// (N = 10, 100, 1000) lease units, render them with the deterministic stand-in renderer (8×8 px, 1 sample: the
// work itself is nearly free, so this measures the coordinator) and submit signed results, for a fixed time,
// against: the embedded database (one instance), PostgreSQL with one instance, and PostgreSQL with two
// instances sharing it (contributors split between them). Same run, same machine, side by side.
//
// Needs `npm run build` first. PostgreSQL: LUMENGRID_TEST_DATABASE_URL, or Debian's package (a throwaway
// server is started on loopback). BENCH_SECONDS (default 6) sets each measurement's length.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sessionPublicKey, signResult } from '../lib/client/session-key';
import { type Lease, SESSION_HEADER } from '../lib/protocol/api-types';
import { SIGNATURE_HEADER } from '../lib/protocol/session-signature';
import { renderLeaseHonestly } from '../lib/testing/stand-in-renderer';
import { type Server, startServer, stopServer } from './bench-server';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS) || 6;
const COUNTS = [10, 100, 1000];

/** One simulated session asks as fast as it can: lift the per-session limits (not the coordinator's work). */
const LOAD_ENV = { LUMENGRID_SESSION_RATE: '1000000', LUMENGRID_LEASE_TTL_MS: '60000' };

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface Measurement {
  units: number;
  seconds: number;
  leaseMs: number[];
  submitMs: number[];
  errors: number;
}

/** N contributors against `servers` (contributor i uses server i mod count) for SECONDS. */
async function measure(servers: Server[], contributors: number, tag: string): Promise<Measurement> {
  // A job far bigger than the run can finish: 256×256 px in 8 px tiles, 1 sample per unit.
  const job = await fetch(`${servers[0]?.url}/api/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      scene: 'cornell',
      width: 256,
      height: 256,
      samplesPerPixel: 128,
      tileSize: 8,
      samplesPerUnit: 1,
      confidence: 0.9,
    }),
  });
  if (!job.ok) throw new Error(`job creation failed: ${await job.text()}`);
  const result: Measurement = { units: 0, seconds: SECONDS, leaseMs: [], submitMs: [], errors: 0 };
  // Steady state only: every contributor's first round (a queue of N leases) is warm-up; the window is the
  // last SECONDS of the run.
  const warmUpMs = Math.max(1000, contributors * 20);
  const windowStart = performance.now() + warmUpMs;
  const deadline = windowStart + SECONDS * 1000;
  const inWindow = (at: number) => at >= windowStart && at <= deadline;
  const loop = async (i: number) => {
    const base = (servers[i % servers.length] as Server).url;
    const sessionId = `bench-${tag}-${contributors}-${i}`;
    const publicKey = await sessionPublicKey(sessionId);
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const response = await fetch(`${base}/api/work/lease`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.7.${i >> 8}.${i & 255}` },
        body: JSON.stringify({ sessionId, publicKey }),
      }).catch(() => null);
      const t1 = performance.now();
      if (!response || response.status >= 400) {
        result.errors++;
        await response?.body?.cancel();
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (inWindow(t1)) result.leaseMs.push(t1 - t0);
      if (response.status === 204) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const lease = (await response.json()) as Lease;
      // A timed session's lease may carry spot checks (Lease.checks): one result for all of them.
      const data = await renderLeaseHonestly(lease);
      const body = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
      const signature = await signResult(sessionId, lease.leaseId, body);
      const t2 = performance.now();
      const submitted = await fetch(`${base}/api/work/leases/${lease.leaseId}/result`, {
        method: 'PUT',
        headers: {
          'content-type': 'application/octet-stream',
          [SESSION_HEADER]: sessionId,
          [SIGNATURE_HEADER]: signature,
        },
        body,
      }).catch(() => null);
      const t3 = performance.now();
      await submitted?.body?.cancel();
      if (submitted?.ok && inWindow(t3)) {
        result.submitMs.push(t3 - t2);
        result.units += 1 + (lease.checks?.length ?? 0);
      } else if (!submitted?.ok) result.errors++;
    }
  };
  await Promise.all(Array.from({ length: contributors }, (_, i) => loop(i)));
  return result;
}

function postgres(): { url: string; newDatabase: (name: string) => string; stop: () => void } {
  let url = process.env.LUMENGRID_TEST_DATABASE_URL;
  let stop = () => {};
  if (!url) {
    const exports = execFileSync(join(root, 'scripts/ci/start-postgres.sh'), { encoding: 'utf8' });
    const vars = Object.fromEntries(
      [...exports.matchAll(/export (\w+)='([^']*)'/g)].map((m) => [m[1], m[2]]),
    );
    url = vars.LUMENGRID_TEST_DATABASE_URL as string;
    const dataDir = vars.PGDATA_DIR as string;
    stop = () => execFileSync(join(root, 'scripts/ci/stop-postgres.sh'), [dataDir], { stdio: 'ignore' });
  }
  const base = url;
  return {
    url: base,
    newDatabase(name) {
      execFileSync(
        'psql',
        [base, '-qc', `DROP DATABASE IF EXISTS ${name}`, '-c', `CREATE DATABASE ${name}`],
        { stdio: 'ignore' },
      );
      const u = new URL(base);
      u.pathname = `/${name}`;
      return u.toString();
    },
    stop,
  };
}

const rows: {
  config: string;
  n: number;
  ups: number;
  leaseP50: number;
  leaseP99: number;
  submitP50: number;
  submitP99: number;
  errors: number;
}[] = [];
const pg = postgres();
const dataRoot = mkdtempSync(join(tmpdir(), 'lumengrid-bench-coordinator-'));
try {
  const configs: { name: string; start: (n: number) => Promise<Server[]> }[] = [
    {
      name: 'embedded',
      start: async (n) => [
        await startServer(3871, {
          ...LOAD_ENV,
          LUMENGRID_DATA_DIR: join(dataRoot, `db-${n}`),
          DATABASE_URL: '',
        }),
      ],
    },
    {
      name: 'pg1',
      start: async (n) => [
        await startServer(3872, { ...LOAD_ENV, DATABASE_URL: pg.newDatabase(`bench_pg1_${n}`) }),
      ],
    },
    {
      name: 'pg2',
      start: async (n) => {
        const url = pg.newDatabase(`bench_pg2_${n}`);
        // Started one after the other: the second finds the schema migrated (migrations hold an advisory lock).
        return [
          await startServer(3873, { ...LOAD_ENV, DATABASE_URL: url }),
          await startServer(3874, { ...LOAD_ENV, DATABASE_URL: url }),
        ];
      },
    },
  ];
  for (const n of COUNTS) {
    for (const config of configs) {
      const servers = await config.start(n);
      try {
        const m = await measure(servers, n, config.name);
        const row = {
          config: config.name,
          n,
          ups: m.units / m.seconds,
          leaseP50: percentile(m.leaseMs, 50),
          leaseP99: percentile(m.leaseMs, 99),
          submitP50: percentile(m.submitMs, 50),
          submitP99: percentile(m.submitMs, 99),
          errors: m.errors,
        };
        rows.push(row);
        console.log(
          `${config.name.padEnd(9)} N=${String(n).padEnd(5)} ${row.ups.toFixed(0).padStart(6)} units/s  lease p50 ${row.leaseP50.toFixed(1)} ms p99 ${row.leaseP99.toFixed(1)} ms  submit p50 ${row.submitP50.toFixed(1)} ms p99 ${row.submitP99.toFixed(1)} ms  errors ${row.errors}`,
        );
      } finally {
        await Promise.all(servers.map(stopServer));
      }
    }
  }
} finally {
  pg.stop();
  rmSync(dataRoot, { recursive: true, force: true });
}

const best = (config: string) => Math.max(...rows.filter((r) => r.config === config).map((r) => r.ups));
const p99 = Math.max(...rows.filter((r) => r.n === 100).map((r) => Math.max(r.leaseP99, r.submitP99)));
console.log(
  `(units/s: accepted results, units and spot checks, per second; the summary takes each configuration's best N and the worst p99 at N=100; ${SECONDS} s each, 2 cores shared by servers, PostgreSQL and clients)`,
);
console.log(
  `coordinator: embedded_ups=${best('embedded').toFixed(0)} pg1_ups=${best('pg1').toFixed(0)} pg2_ups=${best('pg2').toFixed(0)} p99_ms=${p99.toFixed(0)}`,
);
