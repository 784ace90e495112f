import type { CoordinatorContext } from '../coordinator/context';
import type { Lease } from '../protocol/api-types';
import type { RenderTask } from '../protocol/render-task';
import { CHANNEL, concatResults, RESULT_CHANNELS } from '../protocol/result-layout';
import { markTrustedVerifier } from '../verification/trusted-verifier';
import { createJob } from '../work/jobs';
import { leaseUnit } from '../work/lease-unit';
import { submitResult } from '../work/submit-result';
import { mulberry32 } from './mulberry32';
import { standInRender } from './stand-in-renderer';

/**
 * Sybil cartels against the real coordinator (`npm run sim:cartel`, docs/design.md "Threat model"): many
 * sessions, each from its own network origin, that coordinate out of band. They fake a fifth of the pixels of
 * every unit they submit, vouch for each other's units when handed a check of one (answering with the
 * submitted fake values), and frame honest units (all answering with the same wrong values, so that they
 * agree with each other against the submission). Variants: throwaway members that submit zeros so that their
 * partners earn check credit for whatever they send, and a long con that works honestly first (trust, credit)
 * and fakes later. Everything goes through leaseUnit / submitResult / verification / applyVerdict on an
 * embedded database, with the deterministic stand-in renderer and a clock the run moves by hand, so the figures
 * are whatever the coordinator of the day does.
 */

/** One GPU class for everyone (as lib/testing/test-support.ts STAND_IN_ADAPTER, which imports vitest). */
export const CARTEL_ADAPTER = { vendor: 'lumengrid', architecture: 'stand-in' };

export type CartelRole = 'honest' | 'verifier' | 'cartel' | 'throwaway' | 'longcon';

export interface CartelScenario {
  name: string;
  honest: number;
  /** Members that fake units, vouch for the cartel and frame honest units. */
  cartel: number;
  /** Members that submit zeros (their partners, the cartel members, answer checks of them with anything). */
  throwaway?: number;
  /** Members that work honestly until half the jobs are done, then act as cartel members. */
  longCon?: number;
  /** One more honest session, marked as the operator's trusted verifier before the farm starts. */
  verifier: boolean;
  jobs: number;
  job: { width: number; height: number; samplesPerPixel: number; tileSize: number; samplesPerUnit: number };
  /** Rounds (one lease and one submission per member, 1 s of clock) before the run stops anyway. */
  maxRounds: number;
  /** Rounds at most after that, and again after the clock jumps past maturity (default 30). */
  drainRounds?: number;
  seed: number;
}

/** Members of a cartel that is a share `f` of all sessions beside `honest` honest ones. */
export function cartelSize(honest: number, share: number): number {
  return Math.round((honest * share) / (1 - share));
}

/** What the coordinator made of the run, from its database and from what the members submitted. */
export interface CartelReport {
  name: string;
  members: Record<CartelRole, number>;
  sessions: number;
  rounds: number;
  jobsDone: number;
  jobs: number;
  seconds: number;
  /** Unit submissions with faked pixels (cartel and long con), and what became of them. */
  fakeSubmitted: number;
  fakeAccepted: number;
  fakePaid: number;
  /** Zero units of throwaway members, and how many were accepted. */
  zeroSubmitted: number;
  zeroAccepted: number;
  honestSubmitted: number;
  honestAccepted: number;
  honestRejected: number;
  /** Honest submissions still undecided at the end (or void: a straggler's copy beaten by another). */
  honestOpen: number;
  /** Honest sessions (not counting the verifier) that were quarantined. */
  honestQuarantined: number;
  verifierQuarantined: number;
  cartelQuarantined: number;
  /** Check pixel-samples rendered by honest members and the verifier, and the verifier's share. */
  honestCheckPixelSamples: number;
  verifierCheckPixelSamples: number;
  /** Pixel-samples of accepted units (the jobs' progress). */
  acceptedPixelSamples: number;
  /** Settleable credit of the cartel's sessions (all roles but honest and verifier), and of honest ones. */
  cartelPaid: number;
  cartelCheckCreditOnRejected: number;
  honestPaid: number;
  /** Honest pixel-samples the cartel's sessions rendered (units' real pixels, honest checks). */
  cartelWork: number;
  /** cartelPaid - cartelWork. */
  cartelNet: number;
  /** Lease or submit calls refused (rate limits, expired leases): should stay near zero. */
  refused: number;
}

interface MemberState {
  role: CartelRole;
  sessionId: string;
  origin: string;
}

/** A unit submission the run made, keyed by `${unitId}:${submission}`. */
interface SubmissionRecord {
  unitId: number;
  sessionId: string;
  role: CartelRole;
  kind: 'honest' | 'fake' | 'zero';
  pixelSamples: number;
}

/** What the cartel knows of a unit's latest submission when it is handed a check of it. */
interface Knowledge {
  /** Submitted by a cartel session (faked, or honest work of the long con before it turned). */
  byCartel: boolean;
  zero: boolean;
  task: RenderTask;
  data: Float32Array;
}

function hash32(a: number, b: number, c = 0): number {
  let h =
    (Math.imul(a ^ 0x27d4eb2f, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca77) ^ Math.imul(c + 7, 0xc2b2ae3d)) >>>
    0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Whether the cartel fakes this pixel (its index in the unit's region) of this unit: a fifth of them. */
export function fakesPixel(unitId: number, sampleStart: number, local: number): boolean {
  return hash32(unitId, sampleStart, local) % 5 === 0;
}

function samplesOf(task: RenderTask): number {
  return task.sampleEnd - task.sampleStart;
}

/** An honest render with a fifth of its pixels made brighter (deterministic per unit: partners agree). */
export async function fakeUnit(unitId: number, task: RenderTask): Promise<Float32Array> {
  const data = await standInRender(task);
  for (let p = 0; p < data.length / RESULT_CHANNELS; p++) {
    if (!fakesPixel(unitId, task.sampleStart, p)) continue;
    const base = p * RESULT_CHANNELS;
    for (const c of [CHANNEL.r, CHANNEL.g, CHANNEL.b]) data[base + c] = (data[base + c] as number) * 1.5;
    data[base + CHANNEL.luminanceSq] = (data[base + CHANNEL.luminanceSq] as number) * 2.25;
  }
  return data;
}

/** Zeros with the right counts: what a throwaway member submits. */
function zeroResult(task: RenderTask): Float32Array {
  const n = task.pixels ? task.pixels.length : task.region.width * task.region.height;
  const out = new Float32Array(n * RESULT_CHANNELS);
  for (let p = 0; p < n; p++) out[p * RESULT_CHANNELS + CHANNEL.count] = samplesOf(task);
  return out;
}

/**
 * Values nobody rendered, the same for every cartel member handed a check of this unit's pixels: framers of an
 * honest unit agree with each other, so they count as one group of re-renders against it.
 */
function agreedJunk(unitId: number, task: RenderTask): Float32Array {
  const pixels = task.pixels ?? [];
  const samples = samplesOf(task);
  const out = new Float32Array(pixels.length * RESULT_CHANNELS);
  pixels.forEach((pixel, i) => {
    const v = 0.3 + (hash32(unitId, pixel, 99) % 1000) / 400;
    const lum = 0.2126 * v + 0.7152 * v * 0.8 + 0.0722 * v * 0.6;
    out.set(
      [v * samples, v * 0.8 * samples, v * 0.6 * samples, lum * lum * samples, samples],
      i * RESULT_CHANNELS,
    );
  });
  return out;
}

/** The submitted values of a unit at a check's pixels (the cartel's record of what its member sent). */
function submittedValues(known: Knowledge, check: RenderTask): Float32Array {
  const pixels = check.pixels ?? [];
  const { region } = known.task;
  const out = new Float32Array(pixels.length * RESULT_CHANNELS);
  pixels.forEach((pixel, i) => {
    const x = (pixel % check.width) - region.x;
    const y = Math.floor(pixel / check.width) - region.y;
    const offset = (y * region.width + x) * RESULT_CHANNELS;
    out.set(known.data.subarray(offset, offset + RESULT_CHANNELS), i * RESULT_CHANNELS);
  });
  return out;
}

const isCartel = (role: CartelRole) => role !== 'honest' && role !== 'verifier';

/**
 * Runs one scenario on `t` (lib/testing/test-context.ts createTestContext: call its reset() between
 * scenarios). Rounds of one lease per member (in a seeded random order), one second of rendering, one
 * submission per lease, until every job is done or maxRounds pass; then up to drainRounds more while anyone still
 * gets work (audits, escalations); then the clock jumps eight days (past any maturity window) and every member asks
 * once more (sweeps run), and works off what it gets. Quarantined sessions come back as new ones.
 */
export async function runCartelScenario(
  t: { ctx: CoordinatorContext; clock: { now: number } },
  scenario: CartelScenario,
): Promise<CartelReport> {
  const began = performance.now();
  const { ctx, clock } = t;
  const random = mulberry32(scenario.seed);
  let sessionCounter = 0;
  let originCounter = 0;
  const newOrigin = () => {
    const n = ++originCounter;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  };
  const sessionRoles = new Map<string, CartelRole>();
  const newSession = async (role: CartelRole): Promise<string> => {
    const id = `${scenario.name}-${role}-${String(++sessionCounter).padStart(5, '0')}`;
    sessionRoles.set(id, role);
    if (role === 'verifier') await markTrustedVerifier(ctx.db, id, clock.now);
    return id;
  };
  const members: MemberState[] = [];
  const add = async (role: CartelRole, count: number) => {
    for (let i = 0; i < count; i++)
      members.push({ role, sessionId: await newSession(role), origin: newOrigin() });
  };
  await add('honest', scenario.honest);
  await add('cartel', scenario.cartel);
  await add('throwaway', scenario.throwaway ?? 0);
  await add('longcon', scenario.longCon ?? 0);
  if (scenario.verifier) await add('verifier', 1);

  const jobIds: string[] = [];
  for (let j = 0; j < scenario.jobs; j++) {
    jobIds.push((await createJob(ctx, { scene: 'cornell', maxBounces: 3, ...scenario.job })).id);
    clock.now += 1; // oldest first, in creation order
  }

  const [planned] = await ctx.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM units WHERE job_id = ANY ($1::text[])',
    [jobIds],
  );
  const totalUnits = planned?.n ?? 0;
  const submittedUnits = new Set<number>();
  const submissions = new Map<string, SubmissionRecord>();
  const knowledge = new Map<number, Knowledge>();
  let honestCheckPixelSamples = 0;
  let verifierCheckPixelSamples = 0;
  let cartelWork = 0;
  let refused = 0;
  let longConTurned = false;

  /** How a member of this role behaves now: the long con is honest until it turns. */
  const behaviour = (role: CartelRole): 'honest' | 'cartel' | 'throwaway' =>
    role === 'honest' || role === 'verifier'
      ? 'honest'
      : role === 'throwaway'
        ? 'throwaway'
        : role === 'longcon' && !longConTurned
          ? 'honest'
          : 'cartel';

  const answer = async (member: MemberState, part: Lease): Promise<Float32Array> => {
    const { task } = part;
    const samples = samplesOf(task);
    const acts = behaviour(member.role);
    if (task.pixels) {
      const pixelSamples = task.pixels.length * samples;
      if (acts !== 'honest') {
        const known = knowledge.get(part.unitId);
        // A partner's unit: vouch with its own values. A throwaway's zeros or an honest member's unit: the
        // same junk from every partner (credit for nothing, or an honest unit framed).
        if (known?.byCartel && !known.zero) return submittedValues(known, task);
        return agreedJunk(part.unitId, task);
      }
      if (member.role === 'verifier') verifierCheckPixelSamples += pixelSamples;
      if (member.role === 'honest' || member.role === 'verifier') honestCheckPixelSamples += pixelSamples;
      else cartelWork += pixelSamples;
      return standInRender(task);
    }
    const pixelSamples = task.region.width * task.region.height * samples;
    if (acts === 'throwaway') return zeroResult(task);
    if (acts === 'cartel') {
      cartelWork += Math.round(pixelSamples * 0.8);
      return fakeUnit(part.unitId, task);
    }
    if (isCartel(member.role)) cartelWork += pixelSamples;
    return standInRender(task);
  };

  const errorName = (error: unknown) => (error as { name?: string } | null)?.name;
  const jobsDone = async () => {
    const [row] = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM jobs WHERE id = ANY ($1::text[]) AND status = 'done'`,
      [jobIds],
    );
    return row?.n ?? 0;
  };

  /** One round: everyone asks (random order), renders for a second, submits. Returns whether anyone worked. */
  const round = async (): Promise<boolean> => {
    const order = members.slice();
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as MemberState, order[i] as MemberState];
    }
    const leased: { member: MemberState; lease: Lease }[] = [];
    for (const member of order) {
      try {
        const lease = await leaseUnit(
          ctx,
          { sessionId: member.sessionId, adapter: CARTEL_ADAPTER },
          { origin: member.origin },
        );
        if (lease) leased.push({ member, lease });
      } catch (error) {
        if (errorName(error) === 'QuarantinedError') {
          // Caught and shut out: back as somebody new, from a new address.
          member.sessionId = await newSession(member.role);
          member.origin = newOrigin();
        } else if (errorName(error) === 'RateLimitedError') refused++;
        else throw error;
      }
    }
    clock.now += 1000;
    for (const { member, lease } of leased) {
      const parts: Lease[] = [
        lease,
        ...(lease.checks ?? []).map((c) => ({ ...lease, ...c, checks: undefined })),
      ];
      const data: Float32Array[] = [];
      for (const part of parts) data.push(await answer(member, part));
      const body = concatResults(data);
      try {
        await submitResult(ctx, {
          leaseId: lease.leaseId,
          sessionId: member.sessionId,
          body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
        });
      } catch (error) {
        if (errorName(error) !== 'LeaseError') throw error;
        refused++;
        continue;
      }
      if (lease.task.pixels) continue;
      const [unit] = await ctx.db.query<{ submission: number; submitted_by: string | null }>(
        'SELECT submission, submitted_by FROM units WHERE id = $1',
        [lease.unitId],
      );
      if (!unit || unit.submitted_by !== member.sessionId) continue; // beaten by a straggler's copy
      const acts = behaviour(member.role);
      const kind = acts === 'honest' ? 'honest' : acts === 'throwaway' ? 'zero' : 'fake';
      const { region } = lease.task;
      submissions.set(`${lease.unitId}:${unit.submission}`, {
        unitId: lease.unitId,
        sessionId: member.sessionId,
        role: member.role,
        kind,
        pixelSamples: region.width * region.height * samplesOf(lease.task),
      });
      submittedUnits.add(lease.unitId);
      knowledge.set(lease.unitId, {
        byCartel: isCartel(member.role),
        zero: kind === 'zero',
        task: lease.task,
        data: data[0] as Float32Array,
      });
    }
    return leased.length > 0;
  };

  /**
   * Rounds until `stop`, `limit` rounds, or `idleLimit` rounds in a row without work; a round without work lets
   * the clock run past check assignments.
   */
  const work = async (limit: number, idleLimit: number, stop: () => Promise<boolean>): Promise<number> => {
    let rounds = 0;
    let idle = 0;
    while (rounds < limit && !(await stop())) {
      rounds++;
      if (await round()) idle = 0;
      else {
        idle++;
        clock.now += 16_000;
        if (idle >= idleLimit) break;
      }
      // The long con turns once half of all the units have been submitted.
      if (!longConTurned && (scenario.longCon ?? 0) > 0 && submittedUnits.size >= totalUnits / 2)
        longConTurned = true;
    }
    return rounds;
  };

  let rounds = await work(scenario.maxRounds, 4, async () => (await jobsDone()) === scenario.jobs);
  // Whatever is still handed out once the jobs are done (audits, escalations), then past any maturity window
  // (every member asks once, so that any sweep runs, and works off what it gets).
  const drain = scenario.drainRounds ?? 30;
  rounds += await work(drain, 2, async () => false);
  clock.now += 8 * 24 * 3600 * 1000;
  rounds += await work(Math.max(1, drain), 1, async () => false);

  const report: CartelReport = {
    ...(await measure(ctx, clock.now, submissions, sessionRoles)),
    name: scenario.name,
    members: {
      honest: scenario.honest,
      verifier: scenario.verifier ? 1 : 0,
      cartel: scenario.cartel,
      throwaway: scenario.throwaway ?? 0,
      longcon: scenario.longCon ?? 0,
    },
    sessions: sessionRoles.size,
    rounds,
    jobsDone: await jobsDone(),
    jobs: scenario.jobs,
    seconds: (performance.now() - began) / 1000,
    honestCheckPixelSamples,
    verifierCheckPixelSamples,
    cartelWork,
    refused,
  };
  report.cartelNet = report.cartelPaid - report.cartelWork;
  return report;
}

/** What the database says (the rest of a report is the run's own bookkeeping). */
type Measured = Omit<
  CartelReport,
  | 'name'
  | 'members'
  | 'sessions'
  | 'rounds'
  | 'jobsDone'
  | 'jobs'
  | 'seconds'
  | 'honestCheckPixelSamples'
  | 'verifierCheckPixelSamples'
  | 'cartelWork'
  | 'refused'
>;

/** The verdicts and credit, from the coordinator's database. */
async function measure(
  ctx: CoordinatorContext,
  now: number,
  submissions: Map<string, SubmissionRecord>,
  sessionRoles: Map<string, CartelRole>,
): Promise<Measured> {
  const db = ctx.db;
  // A unit credit names the unit and its submitter: one submission (a rejected session never gets it back).
  const credits = await db.query<{
    session_id: string;
    unit_id: number;
    kind: 'unit' | 'check';
    pixel_samples: number | string;
    settleable: boolean;
    on_rejected: boolean;
  }>(
    // A check is credited when it matched the verdict: one that disagreed with the submission was right
    // about a rejected one.
    `SELECT c.session_id, c.unit_id, c.kind, c.pixel_samples,
            (c.matures_at <= $1 AND c.forfeited_at IS NULL) AS settleable,
            (c.kind = 'check' AND EXISTS (SELECT 1 FROM checks k WHERE k.unit_id = c.unit_id
               AND k.session_id = c.session_id AND k.state = 'done' AND NOT k.agreed)) AS on_rejected
     FROM credits c`,
    [now],
  );
  const unitCredit = new Map<string, boolean>();
  for (const c of credits)
    if (c.kind === 'unit') unitCredit.set(`${Number(c.unit_id)}:${c.session_id}`, c.settleable);
  const rejectedRows = await db.query<{ id: number; rejected_sessions: string[] }>(
    'SELECT id, rejected_sessions FROM units WHERE cardinality(rejected_sessions) > 0',
  );
  const rejected = new Set<string>();
  for (const r of rejectedRows) for (const s of r.rejected_sessions) rejected.add(`${Number(r.id)}:${s}`);

  let fakeSubmitted = 0;
  let fakeAccepted = 0;
  let fakePaid = 0;
  let zeroSubmitted = 0;
  let zeroAccepted = 0;
  let honestSubmitted = 0;
  let honestAccepted = 0;
  let honestRejected = 0;
  let honestOpen = 0;
  for (const s of submissions.values()) {
    const key = `${s.unitId}:${s.sessionId}`;
    const credited = unitCredit.has(key);
    if (s.kind === 'fake') {
      fakeSubmitted++;
      if (credited) fakeAccepted++;
      if (unitCredit.get(key)) fakePaid++;
    } else if (s.kind === 'zero') {
      zeroSubmitted++;
      if (credited) zeroAccepted++;
    } else {
      honestSubmitted++;
      if (credited) honestAccepted++;
      else if (rejected.has(key)) honestRejected++;
      else honestOpen++;
    }
  }

  let cartelPaid = 0;
  let cartelCheckCreditOnRejected = 0;
  let honestPaid = 0;
  for (const c of credits) {
    if (!c.settleable) continue;
    const role = sessionRoles.get(c.session_id);
    if (!role) continue;
    const ps = Number(c.pixel_samples);
    if (isCartel(role)) {
      cartelPaid += ps;
      if (c.on_rejected) cartelCheckCreditOnRejected += ps;
    } else honestPaid += ps;
  }

  const quarantined = await db.query<{ session_id: string }>(
    'SELECT session_id FROM contributors WHERE quarantined_at IS NOT NULL',
  );
  const roleCount = (want: (r: CartelRole) => boolean) =>
    quarantined.filter((q) => {
      const r = sessionRoles.get(q.session_id);
      return r !== undefined && want(r);
    }).length;
  const [progress] = await db.query<{ done: number | string | null }>(
    'SELECT sum(pixel_samples_done) AS done FROM jobs',
  );

  return {
    fakeSubmitted,
    fakeAccepted,
    fakePaid,
    zeroSubmitted,
    zeroAccepted,
    honestSubmitted,
    honestAccepted,
    honestRejected,
    honestOpen,
    honestQuarantined: roleCount((r) => r === 'honest'),
    verifierQuarantined: roleCount((r) => r === 'verifier'),
    cartelQuarantined: roleCount(isCartel),
    acceptedPixelSamples: Number(progress?.done ?? 0),
    cartelPaid,
    cartelCheckCreditOnRejected,
    honestPaid,
    cartelNet: 0,
  };
}
