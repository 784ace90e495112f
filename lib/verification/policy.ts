/**
 * How much checking a job gets, as a pure function of the requestor's confidence and the contributor's
 * record. Shared by the coordinator (which issues the checks) and the dashboard (which shows their cost).
 *
 * The check of a unit re-renders a random scattered subset of its pixels with the same seeds and sample
 * range on another contributor's GPU (docs/design.md, "Deterministic Monte Carlo"). A cheat that fakes a share
 * `f` of a unit's pixels escapes one check of n pixels with probability (1 - f)^n; every other cheat (noise,
 * black, lazy, scaled, blurred, replayed, copied) changes nearly every pixel and is caught by any n >= 1.
 * The confidence is the probability that one check catches the hardest cheat the design targets: faking
 * PARTIAL_CHEAT_SHARE of the pixels. n = ceil(ln(1 - confidence) / ln(1 - PARTIAL_CHEAT_SHARE)).
 */

import { CONFIDENCE_LIMITS } from '../protocol/limits';

/** The smallest share of faked pixels the confidence setting is calibrated against. */
export const PARTIAL_CHEAT_SHARE = 0.05;

/**
 * Sessions with fewer accepted units than this are on probation: each of their units needs PROBATION_CHECKS
 * agreeing checks by as many other sessions. Cheaters come back as new sessions, so probation is where they
 * live; three independent checks mean a cartel holding a share c of the farm's sessions gets a fake through
 * only when all three checkers are its own (about c^3: 0.15 % for c = 11 %).
 */
export const PROBATION_UNITS = 4;
export const PROBATION_CHECKS = 3;

/** Even a trusted contributor's unit gets a second, independent check this often (never zero). */
export const AUDIT_RATE = 0.05;

/** Rejected units after which a session is quarantined (gets no more work). */
export const QUARANTINE_AFTER_REJECTIONS = 2;

/** Checks that disagreed with the final verdict after which a checker is quarantined. */
export const QUARANTINE_AFTER_CHECKER_FAULTS = 2;

/** Check rounds one submission may take before it is rejected as undecidable (and re-rendered). */
export const MAX_CHECK_ROUNDS = 7;

/** Pixels one check re-renders for a unit of `unitPixels` pixels. */
export function pixelsPerCheck(confidence: number, unitPixels: number): number {
  const c = Math.min(Math.max(confidence, CONFIDENCE_LIMITS.min), CONFIDENCE_LIMITS.max);
  const n = Math.ceil(Math.log(1 - c) / Math.log(1 - PARTIAL_CHEAT_SHARE));
  return Math.max(1, Math.min(unitPixels, n));
}

export interface ContributorRecord {
  unitsAccepted: number;
  unitsRejected: number;
}

/**
 * Agreeing checks a submission needs before it is accepted: PROBATION_CHECKS on probation or after any
 * rejection, one otherwise, plus (with probability AUDIT_RATE, drawn by the caller as `auditDraw` in [0, 1))
 * one more.
 */
export function checksRequired(record: ContributorRecord, auditDraw: number): number {
  const onProbation = record.unitsAccepted < PROBATION_UNITS || record.unitsRejected > 0;
  return onProbation ? PROBATION_CHECKS : 1 + (auditDraw < AUDIT_RATE ? 1 : 0);
}

/** The verdict on a submission after its checks so far. */
export type CheckDecision = 'accept' | 'reject' | 'more';

/**
 * All checks of one submission re-render the same pixels, so honest checks agree with each other exactly
 * (on one adapter class), while fabricated ones agree with nothing, or, when colluding, with each other or
 * with the submission. The verdict weighs the submission's side (checks agreeing with it) against the largest
 * group of checks that agree with each other but not with it, and decides only on a clear lead:
 * - reject when REJECT_GROUP or more independent re-renders agree against the submission and nothing backs
 *   it, or they lead its side by two (a cheat, even with a colluding checker on its side); three, not two, so
 *   that two colluding checkers who agree on a false answer cannot frame an honest contributor by
 *   themselves;
 * - accept when at least `required` checks back it and no opposing group exists, or the only opposition is
 *   one lone check (a liar's noise, which agrees with no one) and two back it, or its side leads by two
 *   (so two checkers who agree on a false answer cannot frame an honest contributor);
 * - otherwise ask for another check, up to MAX_CHECK_ROUNDS, after which an undecided submission is
 *   rejected: re-rendering a unit costs less than paying for a wrong one.
 */
/** Checks that must agree with each other against a submission before it can be rejected. */
export const REJECT_GROUP = 3;

export function decide(
  agree: number,
  opposingGroup: number,
  checks: number,
  required: number,
): CheckDecision {
  if (opposingGroup >= REJECT_GROUP && (agree === 0 || opposingGroup >= agree + 2)) return 'reject';
  if (
    agree >= required &&
    (opposingGroup === 0 || (opposingGroup === 1 && agree >= 2) || agree >= opposingGroup + 2)
  ) {
    return 'accept';
  }
  if (checks >= MAX_CHECK_ROUNDS) return 'reject';
  return 'more';
}

/**
 * Expected verification overhead (check pixel-samples / credited pixel-samples) for a job, for the cost shown
 * to the requestor: one check per unit for trusted contributors plus audits; probation adds one more check for
 * each new contributor's first PROBATION_UNITS units, which `newContributorShare` estimates.
 */
export function expectedOverhead(confidence: number, unitPixels: number, newContributorShare = 0): number {
  const perCheck = pixelsPerCheck(confidence, unitPixels) / unitPixels;
  const checksPerUnit = (1 + AUDIT_RATE) * (1 - newContributorShare) + PROBATION_CHECKS * newContributorShare;
  return perCheck * checksPerUnit;
}

/**
 * A device is handed a check (or an existing unit) of at most this many times the pixel-samples of the unit
 * it would be given now (lib/work/carve.ts unitBudget): a check of a long unit goes to a device that renders
 * it in seconds, not to a software GPU that would need minutes.
 */
export const AFFORDABLE_FACTOR = 4;

/**
 * A check is drawn among the devices that re-render it within this many seconds of their measured speed
 * (when any is active): a check is what stands between a finished unit and its credit, and at the end of a
 * job between the requestor and the image, so it goes to a device for which it is a moment's work, not to a
 * software GPU that would sit on it while the fast ones idle. It also makes check power cost real
 * throughput, measured by the coordinator, rather than free sessions.
 */
export const CHECK_SECONDS = 1;

/**
 * Under a trusted verifier (docs/design.md, "Verification under attack"): audits a session's accepted units
 * until this many passed; only a session with a passed audit may vouch for another's unit.
 */
export const AUDITS_FOR_TRUST = 2;

/** Under a trusted verifier, the share of other accepted units audited before their credit matures. */
export const TRUSTED_AUDIT_RATE = 0.1;

// How long accepted credit waits before it can be settled, under a trusted verifier (the time an audit, or
// the conviction of anyone who vouched for the unit, has to forfeit it): LUMENGRID_AUDIT_WINDOW_MS, read in
// verify-unit.ts through lib/config (this file is the browser's too, and reads no configuration).
