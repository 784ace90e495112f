import type { ContributorView, Lease } from '../protocol/api-types';
import { concatResults } from '../protocol/result-layout';
import {
  type Conspiracy,
  createConspiracy,
  createStrategy,
  type HonestRenderer,
  type StrategyId,
} from './strategies';

/**
 * A simulated farm: contributors with strategies take turns leasing and submitting through the coordinator
 * (in-process for tests, HTTP for the simulation script) until there is no work left. Quarantined cheaters
 * come back under a new session (a Sybil), as real ones would.
 */
export interface FarmApi {
  lease(sessionId: string, origin: string): Promise<Lease | null>;
  submit(lease: Lease, sessionId: string, data: Float32Array): Promise<void>;
  contributor(sessionId: string): Promise<ContributorView>;
}

export interface FarmMember {
  strategy: StrategyId;
  /** Network origin this member connects from; members of one origin share it. */
  origin: string;
}

export interface SubmissionRecord {
  strategy: StrategyId;
  sessionId: string;
  unitId: number;
  bad: boolean;
  isCheck: boolean;
  pixelSamples: number;
}

export interface StrategyScore {
  strategy: StrategyId;
  sessions: number;
  /** Decided unit submissions that were cheats: rejected (caught) plus credited (escaped). */
  badUnits: number;
  caught: number;
  escaped: number;
  /** Honest unit submissions, and how many of them were rejected. */
  honestUnits: number;
  honestRejected: number;
  checksDone: number;
}

export interface FarmReport {
  submissions: SubmissionRecord[];
  scores: StrategyScore[];
  /** Session ids by strategy (every session a member used). */
  sessions: Map<StrategyId, string[]>;
}

const isQuarantined = (error: unknown) =>
  (error as { name?: string } | null)?.name === 'QuarantinedError' ||
  (error as { body?: { error?: string } } | null)?.body?.error === 'QuarantinedError';

export async function runFarm(
  api: FarmApi,
  members: FarmMember[],
  render: HonestRenderer,
  options: {
    maxSteps?: number;
    conspiracy?: Conspiracy;
    sessionPrefix?: string;
    /** Called after a round in which nobody got work (tests move their clock past check assignments). */
    onIdle?: () => Promise<void> | void;
    /** Wait after an idle round, for a real clock (default 0). */
    idleWaitMs?: number;
  } = {},
): Promise<FarmReport> {
  const conspiracy = options.conspiracy ?? createConspiracy();
  const prefix = options.sessionPrefix ?? 'sim';
  let sessionCounter = 0;
  const newSession = (strategy: StrategyId) => `${prefix}-${strategy}-${++sessionCounter}`;
  const states = members.map((m, i) => ({
    member: m,
    sessionId: newSession(m.strategy),
    act: createStrategy(m.strategy, render, conspiracy, 1000 + i),
  }));
  const sessions = new Map<StrategyId, string[]>();
  for (const s of states)
    sessions.set(s.member.strategy, [...(sessions.get(s.member.strategy) ?? []), s.sessionId]);
  const submissions: SubmissionRecord[] = [];
  const maxSteps = options.maxSteps ?? 100_000;

  let idleRounds = 0;
  // A round with no work may only mean checks are assigned to someone else for a while: give it three.
  for (let step = 0; step < maxSteps && idleRounds < 3; ) {
    let worked = false;
    for (const s of states) {
      step++;
      let lease: Lease | null;
      try {
        lease = await api.lease(s.sessionId, s.member.origin);
      } catch (error) {
        if (!isQuarantined(error)) throw error;
        // Caught and shut out: come back as somebody new.
        s.sessionId = newSession(s.member.strategy);
        s.act = createStrategy(s.member.strategy, render, conspiracy, 5000 + sessionCounter);
        sessions.get(s.member.strategy)?.push(s.sessionId);
        continue;
      }
      if (!lease) continue;
      worked = true;
      // A lease may carry spot checks along with its task (Lease.checks): the strategy answers each as if it
      // were leased alone, and the results travel together, in the lease's order.
      const parts = [lease, ...(lease.checks ?? []).map((c) => ({ ...lease, ...c, checks: undefined }))];
      const answers = [];
      for (const part of parts) {
        const out = await s.act(part);
        answers.push(out.data);
        const pixels = part.task.pixels?.length ?? part.task.region.width * part.task.region.height;
        submissions.push({
          strategy: s.member.strategy,
          sessionId: s.sessionId,
          unitId: part.unitId,
          bad: out.bad,
          isCheck: out.isCheck,
          pixelSamples: pixels * (part.task.sampleEnd - part.task.sampleStart),
        });
      }
      await api.submit(lease, s.sessionId, concatResults(answers));
    }
    idleRounds = worked ? 0 : idleRounds + 1;
    if (!worked) {
      await options.onIdle?.();
      if (options.idleWaitMs) await new Promise((r) => setTimeout(r, options.idleWaitMs));
    }
  }

  // Verdicts per (session, unit), from the coordinator's own record.
  const verdicts = new Map<string, 'verifying' | 'accepted' | 'rejected'>();
  for (const ids of sessions.values()) {
    for (const id of ids) {
      const view = await api.contributor(id).catch(() => null);
      for (const u of view?.units ?? []) verdicts.set(`${id}:${u.unitId}`, u.verdict);
    }
  }
  const scores: StrategyScore[] = [];
  for (const [strategy, ids] of sessions) {
    const mine = submissions.filter((r) => r.strategy === strategy);
    const units = mine.filter((r) => !r.isCheck);
    const verdict = (r: SubmissionRecord) => verdicts.get(`${r.sessionId}:${r.unitId}`);
    const bad = units.filter((r) => r.bad);
    const honest = units.filter((r) => !r.bad);
    scores.push({
      strategy,
      sessions: ids.length,
      badUnits: bad.filter((r) => verdict(r) === 'accepted' || verdict(r) === 'rejected').length,
      caught: bad.filter((r) => verdict(r) === 'rejected').length,
      escaped: bad.filter((r) => verdict(r) === 'accepted').length,
      honestUnits: honest.filter((r) => verdict(r) === 'accepted' || verdict(r) === 'rejected').length,
      honestRejected: honest.filter((r) => verdict(r) === 'rejected').length,
      checksDone: mine.filter((r) => r.isCheck).length,
    });
  }
  return { submissions, scores, sessions };
}
