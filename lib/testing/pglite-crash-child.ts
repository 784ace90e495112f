// Child process for pglite.test.ts: opens the database, commits rows as asked, reports each commit on
// stdout, then waits to be killed.
import { migrate } from '../coordinator/db/migrations';
import { openPglite } from '../coordinator/db/pglite';

const [dataDir, countArg] = process.argv.slice(2);
const db = await openPglite(dataDir ?? null);
await migrate(db);
await db.query('CREATE TABLE IF NOT EXISTS crash_probe (n integer PRIMARY KEY, payload bytea NOT NULL)');
for (let n = 0; n < Number(countArg); n++) {
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO crash_probe (n, payload) VALUES ($1, $2)', [
      n,
      new Uint8Array(4096).fill(n % 256),
    ]);
  });
  process.stdout.write(`committed ${n}\n`);
}
setInterval(() => {}, 1_000);
