import { randomInt } from 'node:crypto';
import { serverConfig } from '../config/server-config';
import type { SqlExecutor } from '../coordinator/db/sql';
import { AWAITING_AUDIT, creditsAudited, holdCreditsForAudit } from '../ledger/credits';
import type { JobSpec } from '../protocol/job-spec';
import { CONFIDENCE_LIMITS } from '../protocol/limits';
import { RESULT_CHANNELS } from '../protocol/result-layout';
import type { Region } from '../protocol/tiles';
import { drawCheckPixels, offsetInRegion } from './check-pixels';
import { classifierFor, imageMetricClassifier, secondMomentClassifier, type Verdict } from './classifiers';
import {
  type ContributorRow,
  getContributor,
  recordCheckVerdict,
  recordUnitVerdict,
} from './contributor-records';
import {
  AFFORDABLE_FACTOR,
  AUDITS_FOR_TRUST,
  CHECK_SECONDS,
  checksRequired,
  decide,
  PROBATION_CHECKS,
  PROBATION_UNITS,
  pixelsPerCheck,
  TRUSTED_AUDIT_RATE,
} from './policy';
import { trustedVerifierActive } from './trusted-verifier';

/**
 * The verification state machine of one unit submission (docs/design.md, "Verification protocol"):
 *
 *   submitted ── beginVerification ──▶ verifying, one spot check pending (with independent-seed
 *       redundancy: first compared with its replica once both are in, compareReplicas)
 *   each check result ── settleCheck ──▶ decide(agree, largest opposing group, checks, required):
 *       more   → another check of the same pixels, by yet another session and origin
 *       accept / reject → closeSubmission records every checker and the submitter, and returns the verdict;
 *       work applies it (lib/work/apply-verdict.ts: sums into the tile and credits, or the unit re-issued)
 *   checkers whose check contradicted the final verdict are marked as faulted; repeat offenders quarantined.
 *   A further check that nobody eligible can take (a farm of two or three) gives way after a while when
 *   every check so far agreed (anotherCheckerActive, releaseStalledChecks).
 *
 * Everything here runs inside the caller's transaction: a verdict and its effects land together or not at all.
 */

export interface UnitRow {
  id: number;
  job_id: string;
  tile_index: number;
  sample_start: number;
  sample_end: number;
  state: string;
  session_id: string | null;
  lease_id: string | null;
  lease_expires_at: number | null;
  submitted_by: string | null;
  submitted_at: number | null;
  submission: number;
  checks_required: number;
  partner_id: number | null;
  result: Uint8Array | null;
  /** The unit's pixels: a rectangle of whole tiles (lib/work/carve.ts). */
  x: number;
  y: number;
  width: number;
  height: number;
  leased_at: number | null;
  /** A straggler's backup copy names the unit it copies. */
  backup_of: number | null;
  /** An animation's frame (its tiles are that frame's); null for a still. */
  frame: number | null;
}

/** Every unit column but its result (megabytes for a large unit): `result` reads as null. */
export const UNIT_COLUMNS_LEAN = `id, job_id, tile_index, sample_start, sample_end, state, session_id, lease_id,
  lease_expires_at, submitted_by, submitted_at, submission, checks_required, partner_id, NULL::bytea AS result,
  x, y, width, height, leased_at, backup_of, frame`;

export const UNIT_COLUMNS = UNIT_COLUMNS_LEAN.replace('NULL::bytea AS result', 'result');

export interface TileRow extends Region {
  index: number;
}

/** The unit's pixels as the region its result covers (row-major), named by its top-left tile. */
export function unitRegion(unit: Pick<UnitRow, 'tile_index' | 'x' | 'y' | 'width' | 'height'>): TileRow {
  return { index: unit.tile_index, x: unit.x, y: unit.y, width: unit.width, height: unit.height };
}

/** Adds a check's verdict to the per-tile counters (the dashboard's heatmap) of every tile of the unit. */
async function countCheckOnTiles(
  tx: SqlExecutor,
  unit: Pick<UnitRow, 'job_id' | 'x' | 'y' | 'width' | 'height' | 'frame'>,
  agree: boolean,
): Promise<void> {
  // (Every frame of an animation has tiles at these coordinates: only the unit's frame's are its.)
  await tx.query(
    `UPDATE tiles SET checks_passed = checks_passed + $6, checks_failed = checks_failed + $7
     WHERE job_id = $1 AND x >= $2 AND x < $2 + $4 AND y >= $3 AND y < $3 + $5 AND frame IS NOT DISTINCT FROM $8::int`,
    [unit.job_id, unit.x, unit.y, unit.width, unit.height, agree ? 1 : 0, agree ? 0 : 1, unit.frame],
  );
}

/** Puts a validated result into verification and issues its first spot check. */
export async function beginVerification(
  tx: SqlExecutor,
  unit: UnitRow,
  tile: TileRow,
  spec: JobSpec,
  submitter: ContributorRow,
  body: Uint8Array,
  now: number,
): Promise<void> {
  const required = checksRequired(submitter, randomInt(0, 1_000_000) / 1_000_000);
  await tx.query(
    `UPDATE units SET state = 'verifying', result = $2, submitted_by = $3, submitted_at = $4,
       checks_required = $5, submission = submission + 1
     WHERE id = $1`,
    [unit.id, body, submitter.sessionId, now, required],
  );
  const submitted: UnitRow = {
    ...unit,
    state: 'verifying',
    result: body,
    submitted_by: submitter.sessionId,
    submitted_at: now,
    submission: unit.submission + 1,
    checks_required: required,
  };
  if (unit.partner_id !== null) {
    const partner = await waitingPartner(tx, unit.partner_id);
    if (partner === 'not-submitted') return; // compared when the partner arrives
    if (partner !== null) {
      await compareReplicas(tx, submitted, partner, tile, spec, now);
      return;
    }
  }
  await issueCheck(tx, submitted, tile, spec, now);
}

/**
 * The replica partner of a unit, if it was submitted and is waiting for this one (verifying, no check of
 * its submission yet); 'not-submitted' if it has not been rendered yet; null if it went its own way
 * (accepted, or already in spot checks), in which case the unit is spot-checked like any other.
 */
async function waitingPartner(tx: SqlExecutor, partnerId: number): Promise<UnitRow | 'not-submitted' | null> {
  const [partner] = await tx.query<UnitRow>(`SELECT ${UNIT_COLUMNS} FROM units WHERE id = $1 FOR UPDATE`, [
    partnerId,
  ]);
  if (!partner) throw new Error(`missing replica partner ${partnerId}`);
  if (partner.state === 'pending' || partner.state === 'leased') return 'not-submitted';
  if (partner.state !== 'verifying') return null;
  const [checks] = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM checks WHERE unit_id = $1 AND submission = $2',
    [partner.id, partner.submission],
  );
  return (checks?.n ?? 0) === 0 ? partner : null;
}

/**
 * Independent-seed redundancy, the second classifier: two renders of the same tile with independent random
 * streams, compared over every pixel by their means and second moments (secondMomentClassifier) and by
 * image metrics (imageMetricClassifier), before
 * both go to their spot checks as usual. A pair that disagrees gets probation-strength spot checks on both
 * sides, which decide who lied. Replicas that pass are both kept: the image ends with twice the samples.
 */
async function compareReplicas(
  tx: SqlExecutor,
  unit: UnitRow,
  partner: UnitRow,
  tile: TileRow,
  spec: JobSpec,
  now: number,
): Promise<void> {
  if (!unit.result || !partner.result) throw new Error(`replicas ${unit.id}/${partner.id} lack a result`);
  const a = new Float32Array(unit.result.slice().buffer);
  const b = new Float32Array(partner.result.slice().buffer);
  // Both classifiers must agree: the moments catch scaled and fabricated output, the image metrics blurring.
  const verdicts = [INDEPENDENT_SEEDS, imageMetricClassifier(tile)].map((c) => c.compare(a, b));
  const verdict = { agree: verdicts.every((v) => v.agree) };
  await countCheckOnTiles(tx, unit, verdict.agree);
  if (!verdict.agree) {
    // One of the two is off: both get the scrutiny of a new session.
    for (const u of [unit, partner]) {
      u.checks_required = Math.max(u.checks_required, PROBATION_CHECKS);
      await tx.query('UPDATE units SET checks_required = $2 WHERE id = $1', [u.id, u.checks_required]);
    }
  }
  await issueCheck(tx, unit, tile, spec, now);
  await issueCheck(tx, partner, tile, spec, now);
}

const INDEPENDENT_SEEDS = secondMomentClassifier();

/**
 * A spot check of the unit's current submission, excluded from the submitter and from everyone (and every
 * origin) who already checked this submission, so each check is independent. The pixels are drawn once per
 * submission, after it arrived, and every further check of it re-renders the same ones: honest checks then
 * agree with each other too, which is what tells a lying checker from a lying submitter (decide()).
 */
async function issueCheck(
  tx: SqlExecutor,
  unit: Pick<UnitRow, 'id' | 'job_id' | 'submitted_by' | 'submission' | 'sample_start' | 'sample_end'>,
  tile: TileRow,
  spec: JobSpec,
  now: number,
  pixels?: number[],
  kind: CheckKind = 'spot',
): Promise<void> {
  const confidence = spec.confidence ?? CONFIDENCE_LIMITS.default;
  const chosen =
    pixels ?? drawCheckPixels(tile, spec.width, pixelsPerCheck(confidence, tile.width * tile.height));
  const cost = chosen.length * (unit.sample_end - unit.sample_start);
  const [check] = await tx.query<{ id: number; excluded_sessions: string[]; excluded_origins: string[] }>(
    `INSERT INTO checks (unit_id, job_id, submission, pixels, state, excluded_sessions, excluded_origins, created_at, cost, kind)
     SELECT $1, $2, $3, $4::int[], 'pending',
       ARRAY[$5::text] || COALESCE(array_agg(c.session_id) FILTER (WHERE c.session_id IS NOT NULL), '{}'),
       COALESCE(array_agg(DISTINCT p.origin) FILTER (WHERE p.origin IS NOT NULL), '{}'),
       $6, $7, $8
     FROM (SELECT $5::text AS session_id UNION SELECT session_id FROM checks
           WHERE unit_id = $1 AND submission = $3 AND session_id IS NOT NULL) c
     LEFT JOIN contributors p ON p.session_id = c.session_id
     RETURNING id, excluded_sessions, excluded_origins`,
    [
      unit.id,
      unit.job_id,
      unit.submission,
      chosen,
      unit.submitted_by,
      now,
      // what the re-render costs its checker: a check of a long unit goes to a device that can afford it
      cost,
      kind,
    ],
  );
  if (!check) throw new Error(`no check was issued for unit ${unit.id}`);
  // Escalations and audits go to trusted verifiers only (lib/work/lease-unit.ts): nobody is drawn.
  if (kind !== 'spot') return;
  // Under a trusted verifier, only a session a trusted verifier has audited may vouch: draw among those
  // when any is active (fresh sessions, which cost nothing, render but are not asked to vouch).
  const vouching = (await verifierPresent(tx, now)) ? 'AND audits_passed > 0' : '';
  // The checker is drawn by the coordinator, uniformly among the eligible sessions active right now: a
  // cartel gets checks in proportion to its share of the farm, however fast or in whatever order it polls.
  // Among them, those fast enough that the check is a moment of their time (policy.ts CHECK_SECONDS); when
  // none is, the fastest few (within AFFORDABLE_FACTOR of the fastest), never a device that would sit on it
  // for minutes while others are idle. When nobody eligible is timed yet (the start of a farm), nobody is
  // drawn: lib/work/lease-unit.ts hands it to the first device fast enough.
  const candidates = await tx.query<{ session_id: string; speed: number | null }>(
    `SELECT session_id, speed FROM contributors
     WHERE last_seen_at >= $1 AND quarantined_at IS NULL AND NOT trusted AND NOT (session_id = ANY ($2::text[]))
       AND (origin IS NULL OR NOT (origin = ANY ($3::text[]))) ${vouching}
     LIMIT 10000`,
    [now - ACTIVE_WINDOW_MS, check.excluded_sessions, check.excluded_origins],
  );
  const timed = candidates.filter((c) => c.speed !== null && c.speed > 0) as {
    session_id: string;
    speed: number;
  }[];
  const fastest = Math.max(0, ...timed.map((c) => c.speed));
  const quick = timed.filter((c) => c.speed * CHECK_SECONDS >= cost);
  const pool = quick.length > 0 ? quick : timed.filter((c) => c.speed * AFFORDABLE_FACTOR >= fastest);
  const pick = pool.length > 0 ? pool[randomInt(0, pool.length)] : undefined;
  if (vouching && candidates.length === 0) {
    // Under a verifier with nobody active who may vouch (a small farm, or its first minutes): the
    // verifier's word now, rather than a check that would wait for a voucher who is not there.
    await tx.query(`UPDATE checks SET kind = 'escalation' WHERE id = $1`, [check.id]);
    return;
  }
  if (pick) {
    await tx.query('UPDATE checks SET assigned_to = $2, assigned_until = $3 WHERE id = $1', [
      check.id,
      pick.session_id,
      now + ASSIGNMENT_MS,
    ]);
  }
}

/**
 * How long a drawn checker has the check to itself before any eligible session may take it. An active
 * contributor leases at least once per unit, and units aim at a few seconds (lib/work/carve.ts UNIT_SIZING),
 * so a drawn checker that is working sees its check within this; one that is not lets it go to others soon.
 */
const ASSIGNMENT_MS = 5_000;

export interface CheckRow {
  leased_at?: number | null;
  id: number;
  unit_id: number;
  job_id: string;
  submission: number;
  pixels: number[];
  state: string;
  session_id: string | null;
  lease_expires_at: number | null;
  /** Absent on rows read without it: a spot check. */
  kind?: CheckKind;
}

/** Which check: an ordinary spot check, a disagreement a trusted verifier decides, or an audit of an accepted unit. */
export type CheckKind = 'spot' | 'escalation' | 'audit';

/**
 * The submitted result's values at the check's pixels, in the check's order: cut out of the stored result by
 * the database, so a check of a large unit does not read the whole result.
 */
async function submittedAt(
  tx: SqlExecutor,
  unit: UnitRow,
  tile: TileRow,
  imageWidth: number,
  pixels: number[],
): Promise<Float32Array> {
  const pixelBytes = RESULT_CHANNELS * Float32Array.BYTES_PER_ELEMENT;
  const offsets = pixels.map((pixel) => offsetInRegion(pixel, tile, imageWidth, RESULT_CHANNELS) * 4);
  const rows = await tx.query<{ v: Uint8Array | null }>(
    `SELECT substring(u.result FROM p.o + 1 FOR $3) AS v
     FROM units u, unnest($2::int[]) WITH ORDINALITY AS p(o, n) WHERE u.id = $1 ORDER BY p.n`,
    [unit.id, offsets, pixelBytes],
  );
  const out = new Uint8Array(pixels.length * pixelBytes);
  rows.forEach((row, i) => {
    if (!row.v || row.v.length !== pixelBytes)
      throw new Error(`unit ${unit.id} is verifying without a result`);
    out.set(row.v, i * pixelBytes);
  });
  return new Float32Array(out.buffer);
}

export type CheckOutcome = 'void' | 'more' | 'accept' | 'reject';

/**
 * Records a check's re-render and acts on the verdict. A check of a submission that was already decided (or
 * superseded) is void: its result is kept for the record but changes nothing.
 */
export async function settleCheck(
  tx: SqlExecutor,
  check: CheckRow,
  checker: string,
  values: Float32Array,
  now: number,
): Promise<CheckSettlement> {
  if (check.kind === 'audit') return settleAudit(tx, check, checker, values, now);
  const judged = await judgeCheck(tx, check, checker, values, now, 'verifying');
  if (!judged) return { outcome: 'void', verdict: null, decided: [], convicted: [] };
  const { unit, job, tile, checkerRow, verdict } = judged;
  const samples = unit.sample_end - unit.sample_start;
  await countCheckOnTiles(tx, unit, verdict.agree);
  await tx.query(
    'UPDATE jobs SET check_pixel_samples = check_pixel_samples + $2, version = version + 1 WHERE id = $1',
    [unit.job_id, check.pixels.length * samples],
  );

  if (check.kind === 'escalation') {
    // A trusted verifier's re-render decides, and shows who lied.
    const { decided, convicted } = await decideByTrustedRender(
      tx,
      unit,
      tile,
      values,
      checkerRow,
      verdict.agree,
      now,
    );
    return { outcome: verdict.agree ? 'accept' : 'reject', verdict, decided, convicted };
  }
  if (await verifierPresent(tx, now)) {
    return settleUnderVerifier(tx, unit, tile, job.spec, check, checkerRow, verdict, now);
  }

  // A dispute already in a trusted verifier's hands waits for it, verifier present or not.
  if (await openEscalation(tx, unit)) return { outcome: 'more', verdict, decided: [], convicted: [] };
  const { done, agree, outcome: decision } = await decideSubmission(tx, unit);
  let outcome = decision;
  // Probation asks for a second independent checker; where nobody else is active to be one (a farm of two),
  // one unopposed agreeing check is the most the farm can give, and waiting would stall the job for good.
  if (
    outcome === 'more' &&
    agree > 0 &&
    agree === done.length &&
    !(await anotherCheckerActive(tx, unit, now))
  ) {
    outcome = 'accept';
  }
  if (outcome === 'more') {
    await issueCheck(tx, unit, tile, job.spec, now, check.pixels);
    return { outcome, verdict, decided: [], convicted: [] };
  }
  const decided = await closeSubmission(tx, unit, tile, done, outcome === 'accept', now);
  return { outcome, verdict, decided, convicted: [] };
}

/** What a check's result decided: verdicts for work to apply, and sessions proven to have lied. */
export interface CheckSettlement {
  outcome: CheckOutcome;
  verdict: Verdict | null;
  decided: SubmissionVerdict[];
  /** Sessions a trusted re-render just proved liars: work forfeits their credit that has not matured. */
  convicted: string[];
}

/**
 * Compares a check's re-render with the submission it checks and records it as done; or, when the unit is
 * no longer in `state` with that submission (decided, superseded, its result let go), records it as void
 * (its result kept for the record) and returns null.
 */
async function judgeCheck(
  tx: SqlExecutor,
  check: CheckRow,
  checker: string,
  values: Float32Array,
  now: number,
  state: 'verifying' | 'done',
): Promise<{
  unit: UnitRow;
  job: { spec: JobSpec };
  tile: TileRow;
  checkerRow: ContributorRow | null;
  verdict: Verdict;
} | null> {
  const [unit] = await tx.query<UnitRow & { held: boolean }>(
    `SELECT ${UNIT_COLUMNS_LEAN}, result IS NOT NULL AS held FROM units WHERE id = $1 FOR UPDATE`,
    [check.unit_id],
  );
  if (!unit) throw new Error(`check ${check.id} points at a missing unit`);
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  // (An audit needs the result an accepted unit keeps through the audit window.)
  if (unit.state !== state || unit.submission !== check.submission || (state === 'done' && !unit.held)) {
    await tx.query(`UPDATE checks SET state = 'void', result = $2, completed_at = $3 WHERE id = $1`, [
      check.id,
      bytes,
      now,
    ]);
    return null;
  }
  const [job] = await tx.query<{ spec: JobSpec }>('SELECT spec FROM jobs WHERE id = $1', [unit.job_id]);
  if (!job) throw new Error(`unit ${unit.id} points at a missing job`);
  const tile = unitRegion(unit);
  const submitter = await getContributor(tx, unit.submitted_by ?? '');
  const checkerRow = await getContributor(tx, checker);
  const classifier = classifierFor(submitter?.adapterClass ?? null, checkerRow?.adapterClass ?? null);
  const verdict = classifier.compare(await submittedAt(tx, unit, tile, job.spec.width, check.pixels), values);
  await tx.query(
    `UPDATE checks SET state = 'done', result = $2, agreed = $3, score = $4, completed_at = $5 WHERE id = $1`,
    [check.id, bytes, verdict.agree, verdict.score, now],
  );
  return { unit, job, tile, checkerRow, verdict };
}

/** The checks so far of a unit's current submission, and what they decide (policy.ts decide). */
async function decideSubmission(tx: SqlExecutor, unit: UnitRow) {
  const done = await tx.query<{
    session_id: string;
    agreed: boolean;
    pixels: number;
    result: Uint8Array;
    adapter_class: string | null;
  }>(
    `SELECT c.session_id, c.agreed, cardinality(c.pixels) AS pixels, c.result, p.adapter_class
     FROM checks c LEFT JOIN contributors p ON p.session_id = c.session_id
     WHERE c.unit_id = $1 AND c.submission = $2 AND c.state = 'done'`,
    [unit.id, unit.submission],
  );
  const agree = done.filter((c) => c.agreed).length;
  const outcome = decide(
    agree,
    largestOpposingGroup(done.filter((c) => !c.agreed)),
    done.length,
    unit.checks_required,
  );
  return { done, agree, outcome };
}

/**
 * A session whose last probation unit was just accepted is trusted from now on, and so are its units that
 * still wait on probation's further checks: they need what a trusted session's unit needs (one check, plus
 * an audit by chance), and those that already have it are decided now. The same holds as if they had been
 * submitted a moment later; without it a fast device's first seconds of units wait on probation checks from
 * the farm's slowest devices (the only independent checkers left) long after the device earned trust.
 * Replica units keep theirs (a disagreeing pair raised it, not probation).
 */
async function endProbation(tx: SqlExecutor, sessionId: string, now: number): Promise<SubmissionVerdict[]> {
  const record = await getContributor(tx, sessionId);
  if (!record || record.unitsAccepted !== PROBATION_UNITS || record.unitsRejected > 0) return [];
  const waiting = await tx.query<UnitRow>(
    `SELECT ${UNIT_COLUMNS_LEAN} FROM units
     WHERE submitted_by = $1 AND state = 'verifying' AND partner_id IS NULL AND checks_required > 1
       AND NOT (id = ANY ($2::bigint[]))
     ORDER BY id FOR UPDATE`,
    [sessionId, [...decidedIn(tx)]],
  );
  const decided: SubmissionVerdict[] = [];
  for (const unit of waiting) {
    const required = checksRequired(record, randomInt(0, 1_000_000) / 1_000_000);
    if (required >= unit.checks_required) continue;
    await tx.query('UPDATE units SET checks_required = $2 WHERE id = $1', [unit.id, required]);
    const relaxed = { ...unit, checks_required: required };
    const { done, outcome } = await decideSubmission(tx, relaxed);
    if (outcome === 'more') continue; // its open check still counts
    decided.push(
      ...(await closeSubmission(tx, relaxed, unitRegion(relaxed), done, outcome === 'accept', now)),
    );
  }
  return decided;
}

/** A decided submission: what work must do with it (lib/work/apply-verdict.ts). Verification credits nobody. */
export interface SubmissionVerdict {
  unit: UnitRow;
  tile: TileRow;
  accepted: boolean;
  /** Every completed check of the submission, and whether it matched the verdict. */
  checks: { sessionId: string; right: boolean; pixels: number }[];
  /** When this verdict's credits may be settled (AWAITING_AUDIT while an audit is open). */
  maturesAt: number;
  /** An accepted result stays on its unit through the audit window (an audit or a conviction may need it). */
  keepResult: boolean;
  /** An accepted unit proven fake: work takes it back out of the image and re-issues it. */
  undo: boolean;
}

/**
 * Units decided in a transaction whose verdicts the caller has not applied yet (they still read as
 * 'verifying'): nothing in the same transaction may decide them again.
 */
const decidedInTransaction = new WeakMap<SqlExecutor, Set<number>>();
function decidedIn(tx: SqlExecutor): Set<number> {
  const known = decidedInTransaction.get(tx);
  if (known) return known;
  const set = new Set<number>();
  decidedInTransaction.set(tx, set);
  return set;
}

/**
 * Closes a decided submission: voids its open checks and records every checker as right or faulted, and the
 * submitter's verdict (repeat offenders are quarantined). Returns the verdict for work to apply, and those of
 * the submitter's other units its acceptance decides (endProbation).
 */
async function closeSubmission(
  tx: SqlExecutor,
  unit: UnitRow,
  tile: TileRow,
  done: { session_id: string; agreed: boolean; pixels: number }[],
  accepted: boolean,
  now: number,
  /** Who was right, where a trusted re-render says (else: whoever agreed with the verdict). */
  rightOf?: Map<string, boolean>,
): Promise<SubmissionVerdict[]> {
  const trustedVerified = rightOf !== undefined;
  await tx.query(
    // (A voided check keeps its lease id: it is still part of the result layout of the lease that carries it.)
    `UPDATE checks SET state = 'void' WHERE unit_id = $1 AND submission = $2 AND state IN ('pending', 'leased')`,
    [unit.id, unit.submission],
  );
  const checks = done.map((c) => ({
    sessionId: c.session_id,
    right: rightOf?.get(c.session_id) ?? c.agreed === accepted,
    pixels: c.pixels,
  }));
  for (const c of checks) await recordCheckVerdict(tx, c.sessionId, c.right, now);
  await recordUnitVerdict(tx, unit.submitted_by ?? '', accepted, now);
  // A trusted verifier's re-render that upheld the unit is as good as its audit.
  const maturity = !accepted
    ? { maturesAt: now, keepResult: false }
    : trustedVerified
      ? await auditPassed(tx, unit, now)
      : await maturityOf(tx, unit, tile, now);
  const verdict: SubmissionVerdict = { unit, tile, accepted, checks, ...maturity, undo: false };
  decidedIn(tx).add(unit.id);
  if (!accepted || maturity.keepResult) return [verdict]; // (under a verifier probation is audits instead)
  return [verdict, ...(await endProbation(tx, unit.submitted_by ?? '', now))];
}

/**
 * The largest group of checks that agree with one another (each with the group's first member): honest
 * re-renders of the same pixels form one group; fabricated ones stay alone.
 */
function largestOpposingGroup(opposing: { result: Uint8Array; adapter_class: string | null }[]): number {
  let best = 0;
  for (const a of opposing) {
    const va = new Float32Array(a.result.slice().buffer);
    let group = 0;
    for (const b of opposing) {
      const vb = new Float32Array(b.result.slice().buffer);
      if (a === b || classifierFor(a.adapter_class, b.adapter_class).compare(va, vb).agree) group++;
    }
    best = Math.max(best, group);
  }
  return best;
}

/** How recently a session must have asked for work to count as available for a check. */
// Idle contributors ask every second; one that has not asked for this long is busy or gone.
const ACTIVE_WINDOW_MS = 15_000;

/** Whether a session other than the submitter and this submission's checkers, from another origin, is active. */
async function anotherCheckerActive(
  tx: SqlExecutor,
  unit: Pick<UnitRow, 'id' | 'submission' | 'submitted_by'>,
  now: number,
  /** Only sessions that may vouch (a passed audit), not trusted verifiers. */
  vouching = false,
): Promise<boolean> {
  const [row] = await tx.query<{ n: number }>(
    `WITH involved AS (
       SELECT $3::text AS session_id UNION SELECT session_id FROM checks WHERE unit_id = $1 AND submission = $2
     )
     SELECT count(*)::int AS n FROM contributors p
     WHERE p.last_seen_at >= $4 AND p.quarantined_at IS NULL
       ${vouching ? 'AND p.audits_passed > 0 AND NOT p.trusted' : ''}
       AND p.session_id NOT IN (SELECT session_id FROM involved WHERE session_id IS NOT NULL)
       AND (p.origin IS NULL OR p.origin NOT IN (
         SELECT c.origin FROM contributors c JOIN involved i ON i.session_id = c.session_id WHERE c.origin IS NOT NULL))`,
    [unit.id, unit.submission, unit.submitted_by, now - ACTIVE_WINDOW_MS],
  );
  return (row?.n ?? 0) > 0;
}

/** An open check nobody eligible has taken for this long, on a submission with only agreeing checks, gives way. */
const STALLED_CHECK_MS = 45_000;

/**
 * Accepts submissions whose further checks have waited STALLED_CHECK_MS with nobody eligible to take them,
 * where every check so far agreed (probation on a farm of two or three sessions). Run at lease time, so a
 * farm that shrank does not stall for good; a single opposing check keeps the submission waiting instead.
 */
export async function releaseStalledChecks(tx: SqlExecutor, now: number): Promise<SubmissionVerdict[]> {
  const decided: SubmissionVerdict[] = [];
  // Under a trusted verifier nothing is accepted on time alone: a stalled check goes to the verifier.
  if (await verifierPresent(tx, now)) return escalateStalledChecks(tx, now);
  const stalled = await tx.query<{ id: number; unit_id: number }>(
    `SELECT c.id, c.unit_id FROM checks c
     WHERE c.state = 'pending' AND c.kind = 'spot' AND c.created_at <= $1
       AND EXISTS (SELECT 1 FROM checks d WHERE d.unit_id = c.unit_id AND d.submission = c.submission
                   AND d.state = 'done' AND d.agreed)
       AND NOT EXISTS (SELECT 1 FROM checks d WHERE d.unit_id = c.unit_id AND d.submission = c.submission
                       AND d.state = 'done' AND NOT d.agreed)
     ORDER BY c.id LIMIT 20 FOR UPDATE OF c SKIP LOCKED`,
    [now - STALLED_CHECK_MS],
  );
  for (const check of stalled) {
    const [unit] = await tx.query<UnitRow>(
      `SELECT ${UNIT_COLUMNS_LEAN} FROM units WHERE id = $1 FOR UPDATE`,
      [check.unit_id],
    );
    if (unit?.state !== 'verifying' || decidedIn(tx).has(unit.id)) continue;

    const done = await tx.query<{ session_id: string; agreed: boolean; pixels: number }>(
      `SELECT session_id, agreed, cardinality(pixels) AS pixels FROM checks
       WHERE unit_id = $1 AND submission = $2 AND state = 'done'`,
      [unit.id, unit.submission],
    );
    decided.push(...(await closeSubmission(tx, unit, unitRegion(unit), done, true, now)));
  }
  return decided;
}

// ─── under a trusted verifier (docs/design.md, "Verification under attack") ─────────────────────────────
//
// Sessions cost nothing, so nothing is decided by counting them. A spot check that agrees is a vouch only
// from a session a trusted verifier has audited; any disagreement goes to a trusted verifier, whose
// re-render decides and shows who lied; accepted credit waits an audit window before it can be settled,
// and random audits (every session's first units, then TRUSTED_AUDIT_RATE) re-check accepted units in that
// window. A session proven a liar is convicted: its unsettled credit is forfeited, its accepted units still in
// the window leave the image and are rendered again, and every unit it vouched for is audited in turn, so a
// cartel unravels through its own vouches.

/**
 * Whether verification runs under a trusted verifier, asked once per transaction: a check's settlement
 * asks it when it settles, issues the next check and matures the credit, and the answer cannot change
 * within the transaction in any way that matters (a verifier's own leases only make it present sooner).
 */
const presenceInTransaction = new WeakMap<SqlExecutor, boolean>();
async function verifierPresent(tx: SqlExecutor, now: number): Promise<boolean> {
  const known = presenceInTransaction.get(tx);
  if (known !== undefined) return known;
  const present = await trustedVerifierActive(tx, now, VERIFIER_ACTIVE_MS);
  presenceInTransaction.set(tx, present);
  return present;
}

/**
 * A coordinator whose trusted verifier asked for work this recently verifies as if it were there: a verifier
 * that is restarting, or down for a while, makes disputes wait for it rather than fall back to counting
 * sessions, which a cartel would win.
 */
export const VERIFIER_ACTIVE_MS = 24 * 3600_000;

async function settleUnderVerifier(
  tx: SqlExecutor,
  unit: UnitRow,
  tile: TileRow,
  spec: JobSpec,
  check: CheckRow,
  checkerRow: ContributorRow | null,
  verdict: Verdict,
  now: number,
): Promise<CheckSettlement> {
  const more = { outcome: 'more' as const, verdict, decided: [], convicted: [] };
  if (!verdict.agree || (await openEscalation(tx, unit))) {
    await escalate(tx, unit, tile, spec, check.pixels, now);
    return more;
  }
  const done = await doneSpotChecks(tx, unit);
  if ((checkerRow?.auditsPassed ?? 0) > 0) {
    const submitter = await getContributor(tx, unit.submitted_by ?? '');
    const accepted = submitter?.convictedAt === null || submitter?.convictedAt === undefined;
    const decided = await closeSubmission(tx, unit, tile, done, accepted, now);
    return { outcome: accepted ? 'accept' : 'reject', verdict, decided, convicted: [] };
  }
  // An agreeing word from a session nobody has audited is not a vouch: ask one that may vouch, else the
  // verifier.
  if (done.length < MAX_VOUCH_ROUNDS && (await anotherCheckerActive(tx, unit, now, true))) {
    await issueCheck(tx, unit, tile, spec, now, check.pixels);
  } else {
    await escalate(tx, unit, tile, spec, check.pixels, now);
  }
  return more;
}

/** Spot checks of a submission by sessions that may not vouch, before the verifier is asked instead. */
const MAX_VOUCH_ROUNDS = 3;

async function doneSpotChecks(tx: SqlExecutor, unit: Pick<UnitRow, 'id' | 'submission'>) {
  return tx.query<{
    session_id: string;
    agreed: boolean;
    pixels: number;
    pixel_list: number[];
    result: Uint8Array;
    adapter_class: string | null;
  }>(
    `SELECT c.session_id, c.agreed, cardinality(c.pixels) AS pixels, c.pixels AS pixel_list, c.result,
            p.adapter_class
     FROM checks c LEFT JOIN contributors p ON p.session_id = c.session_id
     WHERE c.unit_id = $1 AND c.submission = $2 AND c.state = 'done' AND c.kind = 'spot'
     ORDER BY c.id`,
    [unit.id, unit.submission],
  );
}

async function openEscalation(tx: SqlExecutor, unit: Pick<UnitRow, 'id' | 'submission'>): Promise<boolean> {
  const [row] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM checks WHERE unit_id = $1 AND submission = $2 AND kind = 'escalation'
       AND state IN ('pending', 'leased')`,
    [unit.id, unit.submission],
  );
  return (row?.n ?? 0) > 0;
}

/** Hands the submission to a trusted verifier (once): the same pixels its spot checks re-rendered. */
async function escalate(
  tx: SqlExecutor,
  unit: UnitRow,
  tile: TileRow,
  spec: JobSpec,
  pixels: number[],
  now: number,
): Promise<void> {
  if (await openEscalation(tx, unit)) return;
  await issueCheck(tx, unit, tile, spec, now, pixels, 'escalation');
}

/**
 * A trusted verifier re-rendered a disputed submission's check pixels: the submission stands or falls by it,
 * and every spot check is judged against it (not against the verdict): a checker who sent anything else
 * lied, and so did a submitter whose unit it contradicts.
 */
async function decideByTrustedRender(
  tx: SqlExecutor,
  unit: UnitRow,
  tile: TileRow,
  trusted: Float32Array,
  verifier: ContributorRow | null,
  accepted: boolean,
  now: number,
): Promise<{ decided: SubmissionVerdict[]; convicted: string[] }> {
  const spots = await doneSpotChecks(tx, unit);
  const rightOf = new Map<string, boolean>();
  const liars: string[] = [];
  for (const c of spots) {
    const values = new Float32Array(c.result.slice().buffer);
    const right =
      values.length === trusted.length &&
      classifierFor(c.adapter_class, verifier?.adapterClass ?? null).compare(values, trusted).agree;
    rightOf.set(c.session_id, right);
    if (!right) liars.push(c.session_id);
  }
  if (!accepted && unit.submitted_by) liars.push(unit.submitted_by);
  const decided = await closeSubmission(tx, unit, tile, spots, accepted, now, rightOf);
  const conviction = await convict(tx, liars, now);
  return { decided: [...decided, ...conviction.decided], convicted: conviction.convicted };
}

/**
 * When an accepted unit's credit may be settled, under a trusted verifier: after an audit when one is drawn
 * (always for a session with fewer than AUDITS_FOR_TRUST passed audits), else after the audit window. The
 * result stays on the unit meanwhile. Without a verifier credit matures at once, as before.
 */
async function maturityOf(
  tx: SqlExecutor,
  unit: UnitRow,
  tile: TileRow,
  now: number,
): Promise<{ maturesAt: number; keepResult: boolean }> {
  if (!(await verifierPresent(tx, now))) return { maturesAt: now, keepResult: false };
  const submitter = await getContributor(tx, unit.submitted_by ?? '');
  const audit =
    (submitter?.auditsPassed ?? 0) < AUDITS_FOR_TRUST ||
    randomInt(0, 1_000_000) / 1_000_000 < TRUSTED_AUDIT_RATE;
  if (audit) await issueAudit(tx, unit, tile, now);
  return {
    maturesAt: audit ? AWAITING_AUDIT : now + serverConfig().LUMENGRID_AUDIT_WINDOW_MS,
    keepResult: true,
  };
}

/**
 * An audit re-renders the pixels the submission's spot checks did (so a voucher's word can be judged) and as
 * many fresh ones (so a fake that dodged the spot check's pixels is seen).
 */
async function issueAudit(tx: SqlExecutor, unit: UnitRow, tile: TileRow, now: number): Promise<void> {
  const [job] = await tx.query<{ spec: JobSpec }>('SELECT spec FROM jobs WHERE id = $1', [unit.job_id]);
  if (!job) throw new Error(`unit ${unit.id} points at a missing job`);
  const [spot] = await tx.query<{ pixels: number[] }>(
    `SELECT pixels FROM checks WHERE unit_id = $1 AND submission = $2 AND kind = 'spot' ORDER BY id LIMIT 1`,
    [unit.id, unit.submission],
  );
  const confidence = job.spec.confidence ?? CONFIDENCE_LIMITS.default;
  const fresh = drawCheckPixels(tile, job.spec.width, pixelsPerCheck(confidence, tile.width * tile.height));
  const pixels = [...new Set([...(spot?.pixels ?? []), ...fresh])];
  await issueCheck(tx, unit, tile, job.spec, now, pixels, 'audit');
}

/** The submitter of a unit a trusted verifier upheld has one more passed audit; the unit's credit matures. */
async function auditPassed(
  tx: SqlExecutor,
  unit: Pick<UnitRow, 'submitted_by'>,
  now: number,
): Promise<{ maturesAt: number; keepResult: boolean }> {
  await tx.query('UPDATE contributors SET audits_passed = audits_passed + 1 WHERE session_id = $1', [
    unit.submitted_by,
  ]);
  return { maturesAt: now, keepResult: true };
}

/** A trusted verifier's audit of an accepted unit: it passes (its credit matures) or convicts. */
async function settleAudit(
  tx: SqlExecutor,
  check: CheckRow,
  checker: string,
  values: Float32Array,
  now: number,
): Promise<CheckSettlement> {
  const judged = await judgeCheck(tx, check, checker, values, now, 'done');
  if (!judged) return { outcome: 'void', verdict: null, decided: [], convicted: [] };
  const { unit, checkerRow: verifier, verdict } = judged;
  if (verdict.agree) {
    await creditsAudited(tx, unit.id, now);
    await auditPassed(tx, unit, now);
    return { outcome: 'accept', verdict, decided: [], convicted: [] };
  }
  // A fake got through: its submitter lied, and so did every voucher whose pixels the trusted render
  // contradicts (one whose pixels the fake dodged told the truth about them).
  const liars = [unit.submitted_by ?? ''];
  const position = new Map(check.pixels.map((pixel, i) => [pixel, i]));
  for (const v of (await doneSpotChecks(tx, unit)).filter((c) => c.agreed)) {
    const at = v.pixel_list.map((pixel) => position.get(pixel));
    if (at.some((i) => i === undefined)) continue;
    const trusted = new Float32Array(at.length * RESULT_CHANNELS);
    for (const [k, i] of at.entries()) {
      const from = (i as number) * RESULT_CHANNELS;
      trusted.set(values.subarray(from, from + RESULT_CHANNELS), k * RESULT_CHANNELS);
    }
    const vouch = new Float32Array(v.result.slice().buffer);
    if (!classifierFor(v.adapter_class, verifier?.adapterClass ?? null).compare(vouch, trusted).agree)
      liars.push(v.session_id);
  }
  const conviction = await convict(tx, liars, now);
  return { outcome: 'reject', verdict, ...conviction };
}

/**
 * Convicts sessions a trusted re-render proved liars: quarantined for good; their accepted units still in
 * the audit window are taken back (work removes them from the image and re-issues them); every unit they
 * vouched for that is still in the window is audited, and its credit held until then.
 */
async function convict(
  tx: SqlExecutor,
  sessions: string[],
  now: number,
): Promise<{ decided: SubmissionVerdict[]; convicted: string[] }> {
  const named = [...new Set(sessions.filter(Boolean))];
  if (named.length === 0) return { decided: [], convicted: [] };
  // A liar's payout address is blocked, and every session that pays out to it shares its fate: credit
  // laundered through other sessions is still the same wallet's.
  await tx.query(
    `INSERT INTO blocked_payout_addresses (address, blocked_at)
     SELECT DISTINCT address, $2::bigint FROM payout_addresses WHERE session_id = ANY ($1::text[])
     ON CONFLICT (address) DO NOTHING`,
    [named, now],
  );
  const sharing = await tx.query<{ session_id: string }>(
    `SELECT p.session_id FROM payout_addresses p JOIN blocked_payout_addresses b ON b.address = p.address
     WHERE p.address IN (SELECT address FROM payout_addresses WHERE session_id = ANY ($1::text[]))`,
    [named],
  );
  const candidates = [...new Set([...named, ...sharing.map((r) => r.session_id)])];
  const rows = await tx.query<{ session_id: string }>(
    `UPDATE contributors SET convicted_at = $2, quarantined_at = COALESCE(quarantined_at, $2)
     WHERE session_id = ANY ($1::text[]) AND convicted_at IS NULL AND NOT trusted RETURNING session_id`,
    [candidates, now],
  );
  const convicted = rows.map((r) => r.session_id);
  if (convicted.length === 0) return { decided: [], convicted: [] };
  const theirs = await tx.query<UnitRow>(
    `SELECT ${UNIT_COLUMNS_LEAN} FROM units
     WHERE submitted_by = ANY ($1::text[]) AND state = 'done' AND result IS NOT NULL ORDER BY id FOR UPDATE`,
    [convicted],
  );
  const decided: SubmissionVerdict[] = theirs
    .filter((u) => !decidedIn(tx).has(u.id))
    .map((unit) => {
      decidedIn(tx).add(unit.id);
      return {
        unit,
        tile: unitRegion(unit),
        accepted: false,
        checks: [],
        maturesAt: now,
        keepResult: false,
        undo: true,
      };
    });
  const vouched = await tx.query<UnitRow>(
    `SELECT ${UNIT_COLUMNS_LEAN} FROM units u
     WHERE u.state = 'done' AND u.result IS NOT NULL AND NOT (u.submitted_by = ANY ($1::text[]))
       AND EXISTS (SELECT 1 FROM checks c WHERE c.unit_id = u.id AND c.submission = u.submission
                   AND c.kind = 'spot' AND c.agreed AND c.session_id = ANY ($1::text[]))
       AND NOT EXISTS (SELECT 1 FROM checks a WHERE a.unit_id = u.id AND a.submission = u.submission
                       AND a.kind = 'audit' AND a.state IN ('pending', 'leased'))
     ORDER BY u.id FOR UPDATE`,
    [convicted],
  );
  for (const unit of vouched) {
    await issueAudit(tx, unit, unitRegion(unit), now);
    await holdCreditsForAudit(tx, unit.id, now);
  }
  return { decided, convicted };
}

/**
 * Under a verifier, a spot check nobody who may vouch has taken for STALLED_CHECK_MS goes to the verifier
 * instead: nothing is accepted on time alone.
 */
async function escalateStalledChecks(tx: SqlExecutor, now: number): Promise<SubmissionVerdict[]> {
  const stalled = await tx.query<{ id: number; unit_id: number; pixels: number[] }>(
    `SELECT c.id, c.unit_id, c.pixels FROM checks c
     WHERE c.state = 'pending' AND c.kind = 'spot' AND c.created_at <= $1
     ORDER BY c.id LIMIT 20 FOR UPDATE OF c SKIP LOCKED`,
    [now - STALLED_CHECK_MS],
  );
  for (const check of stalled) {
    const [unit] = await tx.query<UnitRow>(
      `SELECT ${UNIT_COLUMNS_LEAN} FROM units WHERE id = $1 FOR UPDATE`,
      [check.unit_id],
    );
    await tx.query(`UPDATE checks SET state = 'void' WHERE id = $1`, [check.id]);
    if (unit?.state !== 'verifying' || decidedIn(tx).has(unit.id)) continue;
    const [job] = await tx.query<{ spec: JobSpec }>('SELECT spec FROM jobs WHERE id = $1', [unit.job_id]);
    if (job) await escalate(tx, unit, unitRegion(unit), job.spec, check.pixels, now);
  }
  return [];
}

/**
 * Lets go of the results accepted units kept through the audit window once it passed without an open audit:
 * nothing can take them back out of the image any more. A few at a time, at lease time.
 */
export async function releaseAuditedResults(tx: SqlExecutor, now: number): Promise<void> {
  await tx.query(
    `UPDATE units SET result = NULL WHERE id IN (
       SELECT u.id FROM units u
       WHERE u.state = 'done' AND u.result IS NOT NULL AND u.accepted_at <= $1
         AND NOT EXISTS (SELECT 1 FROM checks a WHERE a.unit_id = u.id AND a.submission = u.submission
                         AND a.kind = 'audit' AND a.state IN ('pending', 'leased'))
       ORDER BY u.accepted_at LIMIT 50)`,
    [now - serverConfig().LUMENGRID_AUDIT_WINDOW_MS],
  );
}
