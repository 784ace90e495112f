import type { Sql } from './sql';

/**
 * Versioned schema migrations, applied in order, each in its own transaction, recorded in
 * schema_migrations. Never edit a migration that has shipped: add a new one.
 */
const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'jobs, units and tile accumulators',
    sql: `
      CREATE TABLE jobs (
        id                  text PRIMARY KEY,
        spec                jsonb NOT NULL,
        status              text NOT NULL CHECK (status IN ('rendering', 'done')),
        created_at          bigint NOT NULL,
        started_at          bigint,
        completed_at        bigint,
        units_total         integer NOT NULL,
        units_done          integer NOT NULL DEFAULT 0,
        pixel_samples_total bigint NOT NULL,
        pixel_samples_done  bigint NOT NULL DEFAULT 0,
        -- bumped by every accepted result; dashboards refetch the image only when it moves
        version             integer NOT NULL DEFAULT 0
      );

      -- One row per (tile, sample range). A unit is pending, leased to one session until lease_expires_at,
      -- or done; an expired lease is simply leasable again, and its old holder's result is refused.
      CREATE TABLE units (
        id               bigserial PRIMARY KEY,
        job_id           text NOT NULL REFERENCES jobs (id),
        tile_index       integer NOT NULL,
        sample_start     integer NOT NULL,
        sample_end       integer NOT NULL,
        state            text NOT NULL CHECK (state IN ('pending', 'leased', 'done')),
        lease_id         text UNIQUE,
        session_id       text,
        lease_expires_at bigint,
        attempts         integer NOT NULL DEFAULT 0,
        accepted_at      bigint
      );
      CREATE INDEX units_leasable ON units (state, id) WHERE state <> 'done';
      CREATE INDEX units_by_job ON units (job_id);

      -- Per-tile running sums: float64 little-endian, RESULT_CHANNELS per pixel, row-major over the tile.
      -- NULL until the first result arrives, so a large job costs no space before it renders.
      CREATE TABLE tiles (
        job_id       text NOT NULL REFERENCES jobs (id),
        tile_index   integer NOT NULL,
        x            integer NOT NULL,
        y            integer NOT NULL,
        width        integer NOT NULL,
        height       integer NOT NULL,
        samples_done integer NOT NULL DEFAULT 0,
        sums         bytea,
        PRIMARY KEY (job_id, tile_index)
      );
    `,
  },
  {
    version: 2,
    name: 'scenes',
    sql: `
      -- Packed scenes (lib/scene/scene-file.ts), addressed by the SHA-256 of their bytes. Immutable: the
      -- same hash always means the same bytes, so contributors may cache them for good.
      CREATE TABLE scenes (
        hash        text PRIMARY KEY,
        name        text NOT NULL,
        source      text NOT NULL CHECK (source IN ('built-in', 'upload')),
        built_in_id text,
        file        bytea NOT NULL,
        info        jsonb NOT NULL,
        stats       jsonb NOT NULL,
        warnings    jsonb NOT NULL,
        created_at  bigint NOT NULL
      );
      CREATE INDEX scenes_recent ON scenes (created_at DESC);
    `,
  },
];

export async function migrate(sql: Sql, now: () => number = Date.now): Promise<number[]> {
  await sql.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
  );
  const rows = await sql.query<{ version: number }>('SELECT version FROM schema_migrations');
  const applied = new Set(rows.map((r) => r.version));
  const ran: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    await sql.transaction(async (tx) => {
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        now(),
      ]);
    });
    ran.push(migration.version);
  }
  return ran;
}

/** Splits on semicolons at line ends; migrations contain no semicolons inside strings or bodies. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.replace(/--.*$/gm, '').trim().length > 0);
}
