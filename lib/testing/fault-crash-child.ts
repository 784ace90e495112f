// Child process for faults.test.ts: a coordinator with honest contributors, in-process, on the database
// named by argv (pglite:<dir> or pg:<url>#<schema>). It reports every accepted submission on stdout and keeps
// working until the parent kills it with SIGKILL.

import { migrate } from '../coordinator/db/migrations';
import type { Sql } from '../coordinator/db/sql';
import { createJob } from '../work/jobs';
import { runFaultFarm } from './fault-farm';

const [where, jobJson] = process.argv.slice(2) as [string, string];
let db: Sql;
if (where.startsWith('pglite:')) {
  const { openPglite } = await import('../coordinator/db/pglite');
  db = await openPglite(where.slice('pglite:'.length));
} else {
  const { openPostgres } = await import('../coordinator/db/postgres');
  const [url, schema] = where.slice('pg:'.length).split('#') as [string, string];
  db = await openPostgres({ connectionString: url, schema });
}
await migrate(db);
const clock = { now: Date.now() };
const ctx = { db, now: () => clock.now, leaseTtlMs: 5_000, onJobChanged: () => {} };
const job = await createJob(ctx, JSON.parse(jobJson));
process.stdout.write(`job ${job.id}\n`);
await runFaultFarm(ctx, {
  sessions: 3,
  prefix: 'before-crash',
  onIdle: () => {
    clock.now += 16_000;
  },
  onAccepted: (lease) => {
    process.stdout.write(`accepted ${lease.task.pixels ? 'check' : 'unit'} ${lease.unitId}\n`);
  },
});
process.stdout.write('finished\n');
setInterval(() => {}, 1_000);
