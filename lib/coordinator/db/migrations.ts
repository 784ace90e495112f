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
  {
    version: 3,
    name: 'verification: submissions, spot checks, contributors and credits',
    sql: `
      -- A submitted result waits in 'verifying' until its checks decide; only then is it added into the tile
      -- (and credited) or thrown away and the unit re-issued to someone else.
      ALTER TABLE units DROP CONSTRAINT units_state_check;
      ALTER TABLE units ADD CONSTRAINT units_state_check
        CHECK (state IN ('pending', 'leased', 'verifying', 'done'));
      -- The float32 result under verification (NULL once decided), who sent it, and how many agreeing checks
      -- it needs (lib/verification/policy.ts checksRequired).
      ALTER TABLE units ADD COLUMN result bytea;
      ALTER TABLE units ADD COLUMN submitted_by text;
      ALTER TABLE units ADD COLUMN submitted_at bigint;
      ALTER TABLE units ADD COLUMN checks_required integer NOT NULL DEFAULT 0;
      -- Counts submissions of this unit; checks name the one they check (a rejected unit is submitted again).
      ALTER TABLE units ADD COLUMN submission integer NOT NULL DEFAULT 0;
      -- With independent-seed redundancy, the unit that renders the same pixels with an independent stream.
      ALTER TABLE units ADD COLUMN partner_id bigint;
      -- Sessions that sent a rejected result for this unit: never given it again.
      ALTER TABLE units ADD COLUMN rejected_sessions text[] NOT NULL DEFAULT '{}';
      ALTER TABLE jobs ADD COLUMN units_rejected integer NOT NULL DEFAULT 0;
      ALTER TABLE jobs ADD COLUMN check_pixel_samples bigint NOT NULL DEFAULT 0;
      ALTER TABLE tiles ADD COLUMN checks_passed integer NOT NULL DEFAULT 0;
      ALTER TABLE tiles ADD COLUMN checks_failed integer NOT NULL DEFAULT 0;
      ALTER TABLE tiles ADD COLUMN units_rejected integer NOT NULL DEFAULT 0;

      -- One row per spot check of one submission of a unit: the unit's pixels to re-render (full-image
      -- indices, drawn by the coordinator after the submission) and, once done, whether the re-render agreed.
      -- A check is leased like a unit; sessions and network origins in excluded_* may not take it.
      CREATE TABLE checks (
        id                bigserial PRIMARY KEY,
        unit_id           bigint NOT NULL REFERENCES units (id),
        job_id            text NOT NULL REFERENCES jobs (id),
        submission        integer NOT NULL,
        pixels            integer[] NOT NULL,
        state             text NOT NULL CHECK (state IN ('pending', 'leased', 'done', 'void')),
        excluded_sessions text[] NOT NULL,
        excluded_origins  text[] NOT NULL,
        -- Drawn at random among active eligible sessions: only it may take the check until assigned_until,
        -- so no one can snipe checks by polling fast or by queueing right behind a partner.
        assigned_to       text,
        assigned_until    bigint,
        lease_id          text UNIQUE,
        session_id        text,
        lease_expires_at  bigint,
        result            bytea,
        agreed            boolean,
        score             double precision,
        created_at        bigint NOT NULL,
        completed_at      bigint
      );
      CREATE INDEX checks_leasable ON checks (state, id) WHERE state IN ('pending', 'leased');
      CREATE INDEX checks_by_unit ON checks (unit_id);

      -- What the coordinator knows of a contributor session: where it connects from, its GPU class, and its
      -- record as a renderer and as a checker (BOINC-style reputation).
      CREATE TABLE contributors (
        session_id      text PRIMARY KEY,
        origin          text,
        adapter_class   text,
        units_accepted  integer NOT NULL DEFAULT 0,
        units_rejected  integer NOT NULL DEFAULT 0,
        checks_agreed   integer NOT NULL DEFAULT 0,
        checks_faulted  integer NOT NULL DEFAULT 0,
        quarantined_at  bigint,
        first_seen_at   bigint NOT NULL,
        last_seen_at    bigint NOT NULL
      );

      -- The off-chain credit ledger: one row per verified piece of work (a unit, or a check that agreed with
      -- the verdict), in pixel-samples. Settlement (payments) reads only this table.
      CREATE TABLE credits (
        id            bigserial PRIMARY KEY,
        session_id    text NOT NULL,
        job_id        text NOT NULL REFERENCES jobs (id),
        unit_id       bigint NOT NULL REFERENCES units (id),
        kind          text NOT NULL CHECK (kind IN ('unit', 'check')),
        pixel_samples bigint NOT NULL,
        created_at    bigint NOT NULL
      );
      CREATE INDEX credits_by_session ON credits (session_id);
    `,
  },
  {
    version: 4,
    name: 'payments: job deposits, payout addresses, settlements',
    sql: `
      -- A paid job waits for its deposit on chain before any unit is leased.
      ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
      ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN ('awaiting-deposit', 'rendering', 'done'));

      -- One row per paid job; wei amounts are numeric(78) (uint256). Unpaid (volunteer) jobs have none.
      CREATE TABLE job_payments (
        job_id            text PRIMARY KEY REFERENCES jobs (id),
        chain_job_id      text NOT NULL UNIQUE,
        price_wei         numeric(78, 0) NOT NULL,
        budget_wei        numeric(78, 0) NOT NULL,
        state             text NOT NULL CHECK (state IN ('awaiting-deposit', 'funded', 'closed', 'refunded', 'held')),
        requestor         text,
        deposited_wei     numeric(78, 0) NOT NULL DEFAULT 0,
        expires_at        bigint,
        settled_wei       numeric(78, 0) NOT NULL DEFAULT 0,
        funded_at         bigint
      );

      -- A session's payout address, bound once by the wallet's signature (rebinding would move credit that
      -- a settlement already promised to another address).
      CREATE TABLE payout_addresses (
        session_id  text PRIMARY KEY,
        address     text NOT NULL,
        signature   text NOT NULL,
        bound_at    bigint NOT NULL
      );
      CREATE INDEX payout_addresses_by_address ON payout_addresses (address);

      -- Settlements as built and posted. Leaves are cumulative over every earlier settlement, so a claim
      -- against the newest final one pays everything owed; credits up to credit_watermark are included.
      CREATE TABLE settlements (
        id                bigserial PRIMARY KEY,
        onchain_id        bigint UNIQUE,
        root              text NOT NULL,
        total_wei         numeric(78, 0) NOT NULL,
        credit_watermark  bigint NOT NULL,
        state             text NOT NULL CHECK (state IN ('built', 'posted', 'pending', 'disputed', 'final', 'void', 'failed')),
        tx_hash           text,
        error             text,
        created_at        bigint NOT NULL,
        posted_at         bigint,
        disputable_until  bigint
      );
      CREATE TABLE settlement_leaves (
        settlement_id   bigint NOT NULL REFERENCES settlements (id),
        address         text NOT NULL,
        cumulative_wei  numeric(78, 0) NOT NULL,
        PRIMARY KEY (settlement_id, address)
      );
      CREATE TABLE settlement_jobs (
        settlement_id  bigint NOT NULL REFERENCES settlements (id),
        job_id         text NOT NULL REFERENCES jobs (id),
        settled_wei    numeric(78, 0) NOT NULL,
        closes         boolean NOT NULL,
        PRIMARY KEY (settlement_id, job_id)
      );
      -- Per job of a settlement, what each address gets of it (cumulative); the next settlement moves leaves
      -- by the change against the last final allocation of the same job.
      CREATE TABLE settlement_allocations (
        settlement_id  bigint NOT NULL REFERENCES settlements (id),
        job_id         text NOT NULL REFERENCES jobs (id),
        address        text NOT NULL,
        amount_wei     numeric(78, 0) NOT NULL,
        PRIMARY KEY (settlement_id, job_id, address)
      );
    `,
  },
  {
    version: 5,
    name: 'contributor session keys',
    sql: `
      -- The session's ECDSA P-256 public key (JWK), pinned on its first lease: results must carry its signature.
      ALTER TABLE contributors ADD COLUMN public_key jsonb;
    `,
  },
  {
    version: 6,
    name: 'lease index: open units of a job in plan order',
    sql: `
      -- A lease takes the first open unit of the oldest job: a range scan of this index, not a sort of the job.
      CREATE INDEX units_open_by_job ON units (job_id, id) WHERE state IN ('pending', 'leased');
      CREATE INDEX jobs_rendering ON jobs (created_at, id) WHERE status = 'rendering';
    `,
  },
  {
    version: 7,
    name: 'work sized to the device: units carved at lease time, measured contributor speed',
    sql: `
      -- A unit is a rectangle of whole tiles (x, y, width, height) times one sample range, carved at lease
      -- time from the tiles' sample frontiers (lib/work/carve.ts). tile_index stays the top-left tile.
      ALTER TABLE units ADD COLUMN x integer;
      ALTER TABLE units ADD COLUMN y integer;
      ALTER TABLE units ADD COLUMN width integer;
      ALTER TABLE units ADD COLUMN height integer;
      UPDATE units u SET x = t.x, y = t.y, width = t.width, height = t.height
        FROM tiles t WHERE t.job_id = u.job_id AND t.tile_index = u.tile_index;
      ALTER TABLE units ALTER COLUMN x SET NOT NULL;
      ALTER TABLE units ALTER COLUMN y SET NOT NULL;
      ALTER TABLE units ALTER COLUMN width SET NOT NULL;
      ALTER TABLE units ALTER COLUMN height SET NOT NULL;
      -- When the current lease was handed out: the coordinator's own timing of the holder's speed.
      ALTER TABLE units ADD COLUMN leased_at bigint;
      -- A straggler's unit re-issued to a faster device: both render the same bits, the first result counts
      -- and the other copy becomes 'void'.
      ALTER TABLE units ADD COLUMN backup_of bigint;
      ALTER TABLE units DROP CONSTRAINT units_state_check;
      ALTER TABLE units ADD CONSTRAINT units_state_check
        CHECK (state IN ('pending', 'leased', 'verifying', 'done', 'void'));
      -- Samples [0, samples_planned) of every pixel of the tile belong to some unit; carving moves it.
      -- Jobs planned before carving had every unit planned up front.
      ALTER TABLE tiles ADD COLUMN samples_planned integer NOT NULL DEFAULT 0;
      UPDATE tiles t SET samples_planned = (j.spec->>'samplesPerPixel')::int FROM jobs j WHERE j.id = t.job_id;
      -- The coordinator's measure of a session's rendering speed (pixel-samples per second, from the time
      -- between its submissions), the last unit size it was given, and when it last submitted.
      ALTER TABLE contributors ADD COLUMN speed double precision;
      ALTER TABLE contributors ADD COLUMN unit_budget bigint;
      ALTER TABLE contributors ADD COLUMN last_submit_at bigint;
      -- What a check costs its checker (pixels x the unit's samples): checks go to devices that can afford them.
      ALTER TABLE checks ADD COLUMN cost bigint NOT NULL DEFAULT 0;
      ALTER TABLE checks ADD COLUMN leased_at bigint;
      CREATE INDEX units_leased_by_job ON units (job_id, lease_expires_at) WHERE state = 'leased';
    `,
  },
  {
    version: 8,
    name: 'open units remember since when they are open',
    sql: `
      -- When a unit became open (re-issued, given back, or a replica waiting): one too big for the devices that
      -- ask goes to any device after a while instead of waiting for a fast one for good. NULL: long open.
      ALTER TABLE units ADD COLUMN open_since bigint;
    `,
  },
  {
    version: 9,
    name: 'float data stored uncompressed',
    sql: `
      -- Results and sums are float data that pglz cannot shrink; compressing them cost most of a submission.
      -- EXTERNAL also lets a check read its few pixels out of a large result without reading all of it.
      ALTER TABLE units ALTER COLUMN result SET STORAGE EXTERNAL;
      ALTER TABLE tiles ALTER COLUMN sums SET STORAGE EXTERNAL;
      ALTER TABLE checks ALTER COLUMN result SET STORAGE EXTERNAL;
    `,
  },
  {
    version: 10,
    name: 'leases held by a session, backup copies of a unit',
    sql: `
      -- Every lease counts what the session already holds (MAX_LEASES_HELD): an index lookup, not a scan of
      -- every unit and check.
      CREATE INDEX units_leased_by_session ON units (session_id) WHERE state = 'leased';
      CREATE INDEX checks_leased_by_session ON checks (session_id) WHERE state = 'leased';
      -- Every unit submission and acceptance looks for the unit's backup copies.
      CREATE INDEX units_by_backup_of ON units (backup_of) WHERE backup_of IS NOT NULL;
    `,
  },
  {
    version: 11,
    name: 'checks batched into one lease',
    sql: `
      -- A lease carries a unit and the spot checks its device takes along with it (Lease.checks): their
      -- rows share its lease id, which is still unguessable and still found by index.
      ALTER TABLE checks DROP CONSTRAINT checks_lease_id_key;
      CREATE INDEX checks_by_lease_id ON checks (lease_id) WHERE lease_id IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: 'what leasing may spend: credit per job, lapsed leases, the origin of a job',
    sql: `
      -- Pixel-samples credited per job, kept by the ledger with every credit row: leasing stops when a paid
      -- job's credit reaches its deposit, and must not sum a job's credits on every lease to know it.
      CREATE TABLE job_credit_totals (
        job_id         text PRIMARY KEY REFERENCES jobs (id),
        pixel_samples  bigint NOT NULL
      );
      INSERT INTO job_credit_totals (job_id, pixel_samples)
        SELECT job_id, sum(pixel_samples) FROM credits GROUP BY job_id;
      -- Leases that lapsed (their holder never delivered), once each: a session's lapses since it last
      -- delivered in time make it wait before its next lease.
      CREATE TABLE lease_lapses (
        lease_id    text PRIMARY KEY,
        session_id  text NOT NULL,
        lapsed_at   bigint NOT NULL
      );
      CREATE INDEX lease_lapses_by_session ON lease_lapses (session_id, lapsed_at);
      -- Held leases are counted per origin as well as per session (sessions cost nothing).
      CREATE INDEX contributors_by_origin ON contributors (origin) WHERE origin IS NOT NULL;
      -- The network origin that asked for the job, where known: free jobs are limited per origin.
      ALTER TABLE jobs ADD COLUMN origin text;
    `,
  },
  {
    version: 13,
    name: 'scenes stored compressed, with their origin, and swept',
    sql: `
      -- The file is the packed scene compressed as 'encoding' says (gzip for new rows); packed_bytes is its
      -- size once decompressed, the bound on decompressing it. Already compressed: pglz would only cost time.
      ALTER TABLE scenes ADD COLUMN encoding text NOT NULL DEFAULT 'identity' CHECK (encoding IN ('identity', 'gzip'));
      ALTER TABLE scenes ADD COLUMN packed_bytes bigint;
      UPDATE scenes SET packed_bytes = octet_length(file);
      ALTER TABLE scenes ALTER COLUMN packed_bytes SET NOT NULL;
      ALTER TABLE scenes ALTER COLUMN file SET STORAGE EXTERNAL;
      -- Who stored an upload (lib/coordinator/rate-limit.ts originKey) and when it was last uploaded: the
      -- storage quota per origin and the sweep of scenes no job refers to (lib/work/scene-store.ts).
      ALTER TABLE scenes ADD COLUMN origin text;
      ALTER TABLE scenes ADD COLUMN uploaded_at bigint;
      UPDATE scenes SET uploaded_at = created_at;
      ALTER TABLE scenes ALTER COLUMN uploaded_at SET NOT NULL;
      CREATE INDEX scenes_uploads_by_origin ON scenes (origin, uploaded_at) WHERE source = 'upload';
    `,
  },
  {
    version: 14,
    name: 'tiles remember when they last changed',
    sql: `
      -- A job's event stream sends the tiles that changed since its last push (lib/work/job-event-stream.ts):
      -- every change to what a tile shows takes the next number of one sequence, and the stream asks for the
      -- tiles above the last number it sent, by index. Writes are serialized by the writer lock, so the
      -- numbers are handed out in commit order. Set by a trigger: no writer has to remember it.
      CREATE SEQUENCE tile_changes;
      ALTER TABLE tiles ADD COLUMN change_seq bigint NOT NULL DEFAULT 0;
      -- One line: statements are split at semicolons that end a line.
      CREATE FUNCTION tiles_take_change_seq() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN NEW.change_seq := nextval('tile_changes'); RETURN NEW; END $$;
      CREATE TRIGGER tiles_change_seq BEFORE UPDATE ON tiles FOR EACH ROW
        WHEN (OLD.samples_done IS DISTINCT FROM NEW.samples_done
          OR OLD.checks_passed IS DISTINCT FROM NEW.checks_passed
          OR OLD.checks_failed IS DISTINCT FROM NEW.checks_failed
          OR OLD.units_rejected IS DISTINCT FROM NEW.units_rejected)
        EXECUTE FUNCTION tiles_take_change_seq();
      CREATE INDEX tiles_by_change ON tiles (job_id, change_seq);
    `,
  },
  {
    version: 15,
    name: 'trusted verifiers, escalations and audits, credit that matures or is forfeited',
    sql: `
      -- The operator's own renderer(s) (lib/verification/trusted-verifier.ts): escalations and audits go to
      -- them only, and their re-render decides.
      ALTER TABLE contributors ADD COLUMN trusted boolean NOT NULL DEFAULT false;
      -- Units of the session a trusted verifier audited and found honest: only a session with one may vouch
      -- for another's unit (fresh sessions render, but their word is worth nothing yet).
      ALTER TABLE contributors ADD COLUMN audits_passed integer NOT NULL DEFAULT 0;
      -- When a trusted re-render proved the session lied (a fake unit, or a false check).
      ALTER TABLE contributors ADD COLUMN convicted_at bigint;
      -- 'spot': an ordinary spot check any eligible session may render; 'escalation': a disagreement that a
      -- trusted verifier decides; 'audit': a random re-check of an accepted unit before its credit matures.
      ALTER TABLE checks ADD COLUMN kind text NOT NULL DEFAULT 'spot' CHECK (kind IN ('spot', 'escalation', 'audit'));
      CREATE INDEX checks_for_trusted ON checks (id) WHERE kind <> 'spot' AND state IN ('pending', 'leased');
      -- Credit becomes settleable when it matures (an audit window after it was earned) unless forfeited
      -- first (an audit or escalation proved its unit, or a unit it vouched for, fake).
      ALTER TABLE credits ADD COLUMN matures_at bigint;
      UPDATE credits SET matures_at = created_at;
      ALTER TABLE credits ALTER COLUMN matures_at SET NOT NULL;
      ALTER TABLE credits ADD COLUMN forfeited_at bigint;
      CREATE INDEX credits_unmatured_by_session ON credits (session_id) WHERE forfeited_at IS NULL;
      -- Accepted units keep their result through the audit window (an audit, or a conviction, may still need
      -- it); the maturity sweep lets go of it.
      CREATE INDEX units_holding_results ON units (accepted_at) WHERE state = 'done' AND result IS NOT NULL;
      -- Payout addresses of convicted sessions: blocked for good (no new binding to them, and every session
      -- that pays out to one is convicted with it), so a cartel cannot launder its credit through new sessions.
      CREATE TABLE blocked_payout_addresses (
        address     text PRIMARY KEY,
        blocked_at  bigint NOT NULL
      );
    `,
  },
  {
    version: 16,
    name: 'requestor control: owners, private jobs, cancel and pause, priority, progress history',
    sql: `
      -- The SHA-256 of the owner token POST /api/jobs handed out (never the token): one token per owner,
      -- shared by every job it created (lib/work/job-owner.ts). NULL for jobs stored before owners existed.
      ALTER TABLE jobs ADD COLUMN owner_hash text;
      CREATE INDEX jobs_by_owner ON jobs (owner_hash, created_at DESC) WHERE owner_hash IS NOT NULL;
      -- Private: not listed, and readable (job, images, events, progress) with the owner's token only.
      ALTER TABLE jobs ADD COLUMN private boolean NOT NULL DEFAULT false;
      -- Order among the same owner's jobs only (lib/work/lease-unit.ts): higher first.
      ALTER TABLE jobs ADD COLUMN priority integer NOT NULL DEFAULT 0;
      -- 'paused' leases nothing and keeps its image; 'cancelled' leases nothing, for good.
      ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
      ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
        CHECK (status IN ('awaiting-deposit', 'rendering', 'paused', 'cancelled', 'done'));
      -- Samples of a job's progress (lib/work/job-progress-history.ts), a few seconds apart at least and
      -- capped per job, so the dashboard's ETA and chart survive a reload.
      CREATE TABLE job_progress (
        job_id              text NOT NULL REFERENCES jobs (id),
        at                  bigint NOT NULL,
        pixel_samples_done  bigint NOT NULL,
        PRIMARY KEY (job_id, at)
      );
    `,
  },
  {
    version: 17,
    name: 'rate limits shared by the coordinator instances of one database',
    sql: `
      -- One token bucket per (limit, key) (lib/coordinator/rate-limit.ts): every instance on this database
      -- takes from the same bucket, one upsert per request. granted says whether the last take got a token.
      -- Rows idle long enough to be full again are swept. UNLOGGED: limits need no crash safety.
      CREATE UNLOGGED TABLE rate_limit_buckets (
        limit_name  text NOT NULL,
        key         text NOT NULL,
        tokens      double precision NOT NULL,
        at          bigint NOT NULL,
        granted     boolean NOT NULL,
        PRIMARY KEY (limit_name, key)
      );
      CREATE INDEX rate_limit_buckets_by_age ON rate_limit_buckets (at);
    `,
  },
  {
    version: 18,
    name: 'environment maps',
    sql: `
      -- HDR environment maps (Radiance .hdr files, lib/scene/radiance-hdr.ts), addressed by the SHA-256 of
      -- their bytes like scenes, and like them immutable, per-origin quota'd and swept when no job needs them
      -- (lib/work/environment-store.ts). RGBE is already run-length encoded: stored as it is.
      CREATE TABLE environment_maps (
        hash         text PRIMARY KEY,
        name         text NOT NULL,
        source       text NOT NULL CHECK (source IN ('built-in', 'upload')),
        built_in_id  text,
        file         bytea NOT NULL,
        width        integer NOT NULL,
        height       integer NOT NULL,
        origin       text,
        created_at   bigint NOT NULL,
        uploaded_at  bigint NOT NULL
      );
      ALTER TABLE environment_maps ALTER COLUMN file SET STORAGE EXTERNAL;
      CREATE INDEX environment_maps_uploads_by_origin ON environment_maps (origin, uploaded_at) WHERE source = 'upload';
    `,
  },
  {
    version: 19,
    name: 'animation frames: tiles and units carry their frame',
    sql: `
      -- An animation job's frame f has its own image: its own tile rows (the same rectangles as every other
      -- frame's, numbered on: frame k = f - frames.start owns tile_index [k·n, (k+1)·n), n tiles per image,
      -- lib/work/plan.ts jobTiles), and units carved from them render that frame's pose. NULL: a still (every
      -- job stored before animations). Checks render their unit's frame.
      ALTER TABLE tiles ADD COLUMN frame integer;
      ALTER TABLE units ADD COLUMN frame integer;
    `,
  },
  {
    version: 20,
    name: 'quarantined sessions by time, for the operator',
    sql: `
      -- Sessions are free and many; the quarantined few are what the operator page lists, newest first, page
      -- by page, and what it and GET /metrics count (lib/work/operator-view.ts, lib/coordinator/farm-figures.ts).
      CREATE INDEX contributors_quarantined ON contributors (quarantined_at DESC, session_id DESC)
        WHERE quarantined_at IS NOT NULL;
    `,
  },
];

/** Held while migrating, so that coordinator instances starting together on one PostgreSQL migrate once. */
const MIGRATION_LOCK = 7_245_001;

export async function migrate(sql: Sql, now: () => number = Date.now): Promise<number[]> {
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
    );
  });
  const ran: number[] = [];
  for (const migration of MIGRATIONS) {
    const applied = await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (done.length > 0) return false;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        now(),
      ]);
      return true;
    });
    if (applied) ran.push(migration.version);
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
