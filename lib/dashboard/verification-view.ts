/**
 * What the dashboard shows of verification (spot checks, lib/verification/policy.ts): the cost of a
 * confidence setting before a job exists, per-tile check figures while it renders, and when a contributor's
 * record is worth polling. Plain functions so that components only lay them out.
 */

import { formatShare } from '../client/format';
import type { ContributorStatus } from '../contributor/contributor-store';
import type { ContributorView, TileProgress } from '../protocol/api-types';
import { CONFIDENCE_LIMITS } from '../protocol/limits';
import { expectedOverhead, PROBATION_CHECKS, PROBATION_UNITS, pixelsPerCheck } from '../verification/policy';

/** The confidence choices the job form offers, the default among them. */
export const CONFIDENCE_CHOICES: ReadonlyArray<{ value: number; label: string }> = [
  { value: 0.99, label: '99 %' },
  { value: 0.999, label: '99.9 % (default)' },
  { value: 0.9999, label: '99.99 %' },
  { value: 0.999_999, label: '99.9999 %' },
];

export const DEFAULT_CONFIDENCE = CONFIDENCE_LIMITS.default;

/** 0.999 -> "99.9 %", 0.999999 -> "99.9999 %" (as many digits as the value has, never rounded up to 100). */
export function formatConfidence(confidence: number): string {
  const p = confidence * 100;
  for (let digits = 0; digits <= 6; digits++) {
    const text = p.toFixed(digits);
    if (Math.abs(Number(text) - p) < 1e-9) return `${text} %`;
  }
  return `${p.toFixed(4)} %`;
}

export interface VerificationCost {
  /** Pixels one check re-renders of a full-size unit. */
  pixels: number;
  unitPixels: number;
  /** Expected check pixel-samples per credited pixel-sample (trusted contributors, audits included). */
  overhead: number;
}

/** The cost of checking a job with `confidence` whose units are tiles of `tileSize` px. */
export function verificationCost(confidence: number, tileSize: number): VerificationCost {
  const unitPixels = tileSize * tileSize;
  return {
    pixels: pixelsPerCheck(confidence, unitPixels),
    unitPixels,
    overhead: expectedOverhead(confidence, unitPixels),
  };
}

/**
 * "Each unit is re-rendered at 135 random pixels by another contributor: about +3.5 % of the render's
 * cost." A check that covers the whole unit says so.
 */
export function describeVerificationCost(cost: VerificationCost): string {
  const where =
    cost.pixels >= cost.unitPixels
      ? `in full (all ${cost.unitPixels.toLocaleString('en')} pixels)`
      : `at ${cost.pixels.toLocaleString('en')} random ${cost.pixels === 1 ? 'pixel' : 'pixels'}`;
  return `Each unit is re-rendered ${where} by another contributor: about +${formatShare(cost.overhead)} of the render’s cost.`;
}

/** Why the figure is what it is, for a hint under the cost line. */
export const VERIFICATION_COST_NOTE = `Confidence is the chance that one check catches a unit with 5 % of its pixels faked; cruder cheats fail any check. A new contributor’s first ${PROBATION_UNITS} units get ${PROBATION_CHECKS} checks by different contributors, which costs a little more while contributors are new.`;

/** What the tile report shows of one tile. */
export interface TileVerification {
  index: number;
  /** Share of the tile's samples accepted so far, 0 … 1. */
  fraction: number;
  checked: number;
  passed: number;
  failed: number;
  reissued: number;
  /** A failed check or a re-issued unit: the tile should stand out. */
  flagged: boolean;
  /** The short marker drawn on the tile, besides its colour: "↻" re-issued, "!" failed check, "✓" checked. */
  mark: '↻' | '!' | '✓' | '';
  /** One line with every figure, for a tooltip and for assistive technology. */
  description: string;
}

export function tileVerification(tile: TileProgress, samplesPerPixel: number): TileVerification {
  const passed = tile.checksPassed ?? 0;
  const failed = tile.checksFailed ?? 0;
  const reissued = tile.unitsRejected ?? 0;
  const checked = passed + failed;
  const fraction = samplesPerPixel > 0 ? Math.max(0, Math.min(1, tile.samplesDone / samplesPerPixel)) : 0;
  const flagged = failed > 0 || reissued > 0;
  const mark = reissued > 0 ? '↻' : failed > 0 ? '!' : checked > 0 ? '✓' : '';
  const parts = [
    `Tile ${tile.index} at (${tile.x}, ${tile.y}), ${tile.width}×${tile.height} px`,
    `${tile.samplesDone} of ${samplesPerPixel} samples`,
    `${checked} checked`,
    `${passed} passed`,
    ...(failed > 0 ? [`${failed} failed`] : []),
    `${reissued} re-issued`,
  ];
  return {
    index: tile.index,
    fraction,
    checked,
    passed,
    failed,
    reissued,
    flagged,
    mark,
    description: parts.join(' · '),
  };
}

/** Columns of a job's tile grid (tiles come in row-major order). */
export function tileColumns(width: number, tileSize: number): number {
  return Math.max(1, Math.ceil(width / Math.max(1, tileSize)));
}

/**
 * The tile that arrow-key navigation lands on from `index` in a row-major grid of `count` tiles with
 * `columns` per row; the same index when the key moves nowhere (an edge, or another key).
 */
export function moveInGrid(index: number, key: string, columns: number, count: number): number {
  const column = index % columns;
  let next = index;
  if (key === 'ArrowRight' && column < columns - 1) next = index + 1;
  else if (key === 'ArrowLeft' && column > 0) next = index - 1;
  else if (key === 'ArrowDown') next = index + columns;
  else if (key === 'ArrowUp') next = index - columns;
  else if (key === 'Home') next = index - column;
  else if (key === 'End') next = Math.min(count - 1, index - column + columns - 1);
  return next >= 0 && next < count ? next : index;
}

/**
 * Whether the contribute page should (re)fetch this session's record: always once, then while the tab is
 * visible and the loop is running, and while units still await their checks (their verdict comes later).
 * A quarantined session's record no longer changes in its favour: once seen, polling stops unless running.
 */
export function shouldPollContributor(input: {
  visible: boolean;
  sessionId: string | null;
  status: ContributorStatus;
  /** Null before a record was had (none yet, or the server knows the session only after its first lease). */
  view: ContributorView | null;
  /** Whether at least one fetch has been tried. */
  attempted: boolean;
}): boolean {
  if (!input.visible || !input.sessionId) return false;
  if (!input.attempted) return true;
  if (input.status === 'running' || input.status === 'pausing') return true;
  return input.view !== null && input.view.unitsVerifying > 0 && !input.view.quarantined;
}
