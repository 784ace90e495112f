/**
 * The contributor's intensity: the share of GPU time the path tracer may take, kept as a duty cycle. After a
 * burst of GPU work lasting `busy` ms the render worker idles `busy × (1/share − 1)` ms before the next one,
 * so that over any stretch busy / (busy + idle) = share and the machine stays usable between bursts. A burst
 * is one dispatch (about 100 ms, lib/render/path-tracer.ts), so the GPU is never held for long.
 *
 * Plain arithmetic and a clock, no React and no GPU: the render worker runs it between dispatches
 * (workers/render.worker.ts), the page only sets the share.
 */

export interface IntensityChoice {
  share: number;
  label: string;
  /** What the setting feels like, for the control's description. */
  hint: string;
}

export const INTENSITY_CHOICES: readonly IntensityChoice[] = [
  { share: 0.25, label: '25 %', hint: 'light: you will hardly notice it' },
  { share: 0.5, label: '50 %', hint: 'balanced' },
  { share: 0.75, label: '75 %', hint: 'high' },
  { share: 1, label: '100 %', hint: 'full speed, for a machine you are not using' },
];

/** A newcomer's setting: half the GPU's time, so a laptop stays responsive and quiet enough. */
export const DEFAULT_SHARE = 0.5;

/** Below this the idle gaps grow so long that a unit would crawl: shares are clamped up to it. */
export const MIN_SHARE = 0.05;

/**
 * The rest of a unit must still fit before its lease expires, with this much to spare for the upload: a
 * result that arrives late is refused and the work is lost.
 */
export const LEASE_MARGIN_MS = 15_000;

/** A share in [MIN_SHARE, 1]; anything that is not a finite number is the default. */
export function normalizeShare(share: unknown): number {
  if (typeof share !== 'number' || !Number.isFinite(share)) return DEFAULT_SHARE;
  return Math.min(1, Math.max(MIN_SHARE, share));
}

/** The idle that `busyMs` of GPU work earns at `share`: busy × (1/share − 1); none at full share. */
export function idleAfter(busyMs: number, share: number): number {
  const s = normalizeShare(share);
  if (!(busyMs > 0) || s >= 1) return 0;
  return busyMs * (1 / s - 1);
}

export interface GapPlan {
  /** GPU time of the last burst, in ms. */
  burstMs: number;
  /** How long ago that burst ended when this gap began (time already idle: uploads, leasing, scheduling). */
  idleSoFarMs: number;
  share: number;
  /**
   * The lease of the unit in hand, when there is one: ms from the gap's start until it expires, and the GPU
   * time the unit still needs (an estimate). Without it the gap is the plain duty cycle.
   */
  lease?: { msLeft: number; busyLeftMs: number } | null;
  marginMs?: number;
}

/**
 * How long to idle in this gap, in ms from its start. The plain answer is what the last burst earned less
 * what has passed since. When the unit in hand would then miss its lease, every remaining gap is shortened
 * by the same factor (the share rises evenly) so the unit still ends `marginMs` before its deadline; a unit
 * already short of time does not idle at all.
 */
export function gapIdleMs(plan: GapPlan): number {
  const owed = Math.max(0, idleAfter(plan.burstMs, plan.share) - Math.max(0, plan.idleSoFarMs));
  if (owed <= 0 || !plan.lease) return owed;
  const { msLeft, busyLeftMs } = plan.lease;
  const spare = msLeft - (plan.marginMs ?? LEASE_MARGIN_MS) - Math.max(0, busyLeftMs);
  if (spare <= 0) return 0;
  // The idle this gap and the ones after it would take at this share; scale it to what the lease can spare.
  const wanted = owed + idleAfter(busyLeftMs, plan.share);
  return wanted <= spare ? owed : owed * (spare / wanted);
}

/**
 * Bursts of GPU work and the idle they earn. `begin()` and `end(work)` bracket a burst (`work` in any unit,
 * pixel-samples in the worker, to estimate how long later work takes); `waitForTurn` idles before the next
 * one, re-reading the share as it waits so that a change applies at once.
 */
export class DutyCycle {
  private shareValue = 1;
  private burstStart: number | null = null;
  private lastBurstMs = 0;
  private lastBurstEnd = Number.NEGATIVE_INFINITY;
  /** GPU ms per unit of work in the last burst; null before one was measured. */
  private msPerWork: number | null = null;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  get share(): number {
    return this.shareValue;
  }

  setShare(share: number) {
    this.shareValue = normalizeShare(share);
  }

  begin() {
    this.burstStart = this.clock();
  }

  end(work: number) {
    if (this.burstStart === null) return;
    const now = this.clock();
    this.lastBurstMs = now - this.burstStart;
    this.lastBurstEnd = now;
    this.burstStart = null;
    if (work > 0) this.msPerWork = this.lastBurstMs / work;
  }

  /** Estimated GPU ms for `work` more, from the last burst's pace; 0 before any burst. */
  estimateMs(work: number): number {
    return this.msPerWork === null ? 0 : this.msPerWork * work;
  }

  /**
   * Idles out the gap owed before the next burst. `lease()` reports the unit's deadline as ms from now and
   * the GPU time it still needs, or null; `stopped()` cuts the wait short (a cancelled render). Answers the
   * ms it waited.
   */
  async waitForTurn(options: {
    sleep: (ms: number) => Promise<void>;
    lease?: () => { msLeft: number; busyLeftMs: number } | null;
    stopped?: () => boolean;
    /** Longest single sleep: how soon a new share or a stop is noticed. */
    pollMs?: number;
  }): Promise<number> {
    const pollMs = options.pollMs ?? 100;
    const start = this.clock();
    // The lease as it stood when the gap began: the plan is fixed but for the share, which may change.
    const lease = options.lease?.() ?? null;
    const idleSoFarMs = start - this.lastBurstEnd;
    for (;;) {
      if (options.stopped?.()) break;
      const target = gapIdleMs({ burstMs: this.lastBurstMs, idleSoFarMs, share: this.shareValue, lease });
      const waited = this.clock() - start;
      // Timers count whole milliseconds: a remainder below one is done (and a float one might never end).
      if (target - waited < 1) break;
      await options.sleep(Math.min(pollMs, target - waited));
    }
    return this.clock() - start;
  }
}
