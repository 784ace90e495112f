import type { CoordinatorContext } from '../coordinator/context';
import type { Lease } from '../protocol/api-types';
import { UnavailableError } from '../protocol/errors';
import { leaseUnit } from '../work/lease-unit';
import { submitResult } from '../work/submit-result';
import { mulberry32 } from './mulberry32';
import { renderLeaseHonestly } from './stand-in-renderer';

/**
 * Honest contributors for fault tests, in-process against a coordinator context: each round every session
 * leases, renders with the stand-in renderer and submits. `vanishRate` of leases are abandoned mid-unit
 * (the tab closed): that session is gone and a new one takes its place. A database outage
 * (UnavailableError) is waited out and the same step retried, as a real contributor's loop does.
 */
export interface FaultFarmOptions {
  sessions: number;
  vanishRate?: number;
  seed?: number;
  prefix?: string;
  /** Called when a round found no work: tests move their clock so expired leases and stalled checks return. */
  onIdle?: () => void;
  /** Called after each accepted submission. */
  onAccepted?: (lease: Lease) => void;
  maxRounds?: number;
}

export interface FaultFarmReport {
  submitted: number;
  vanished: number;
  outagesWaited: number;
}

export async function runFaultFarm(
  ctx: CoordinatorContext,
  options: FaultFarmOptions,
): Promise<FaultFarmReport> {
  const random = mulberry32(options.seed ?? 1);
  const prefix = options.prefix ?? 'fault';
  let next = 0;
  const newSession = () => `${prefix}-session-${++next}`;
  const sessions = Array.from({ length: options.sessions }, newSession);
  const report: FaultFarmReport = { submitted: 0, vanished: 0, outagesWaited: 0 };
  const retrying = async <T>(step: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await step();
      } catch (error) {
        if (!(error instanceof UnavailableError)) throw error;
        report.outagesWaited++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  let idle = 0;
  for (let round = 0; round < (options.maxRounds ?? 10_000) && idle < 4; round++) {
    let worked = false;
    for (const [i, sessionId] of sessions.entries()) {
      const lease = await retrying(() => leaseUnit(ctx, { sessionId }, { origin: `10.9.${i}.1` }));
      if (!lease) continue;
      worked = true;
      if (random() < (options.vanishRate ?? 0)) {
        // Gone mid-unit: the lease is never answered.
        report.vanished++;
        sessions[i] = newSession();
        continue;
      }
      const data = await renderLeaseHonestly(lease);
      await retrying(() =>
        submitResult(ctx, { leaseId: lease.leaseId, sessionId, body: new Uint8Array(data.buffer) }),
      );
      report.submitted++;
      options.onAccepted?.(lease);
    }
    if (worked) idle = 0;
    else {
      idle++;
      options.onIdle?.();
    }
  }
  return report;
}
