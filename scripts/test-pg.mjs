#!/usr/bin/env node
// `npm run test:pg`: the coordinator's tests (lib/coordinator, work, verification, settlement, testing) again, on a real PostgreSQL server instead of the
// embedded database. Uses LUMENGRID_TEST_DATABASE_URL when set; otherwise starts a throwaway server from
// Debian's `postgresql` package on loopback (scripts/ci/start-postgres.sh) and stops it afterwards.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
let stop = () => {};

if (!env.LUMENGRID_TEST_DATABASE_URL) {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  if (!versions.some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))) {
    console.error(
      'test:pg needs PostgreSQL: apt-get install postgresql (or set LUMENGRID_TEST_DATABASE_URL).',
    );
    process.exit(1);
  }
  const exports = execFileSync(join(root, 'scripts/ci/start-postgres.sh'), { encoding: 'utf8' });
  for (const [, name, value] of exports.matchAll(/export (\w+)='([^']*)'/g)) env[name] = value;
  stop = () => spawnSync(join(root, 'scripts/ci/stop-postgres.sh'), [env.PGDATA_DIR], { stdio: 'ignore' });
  console.log(`test:pg: PostgreSQL at ${env.LUMENGRID_TEST_DATABASE_URL}`);
}

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    'lib/coordinator',
    'lib/work',
    'lib/verification',
    'lib/settlement',
    'lib/testing',
    ...process.argv.slice(2),
  ],
  {
    cwd: root,
    env,
    stdio: 'inherit',
  },
);
stop();
process.exit(result.status ?? 1);
