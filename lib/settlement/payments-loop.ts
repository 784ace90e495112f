import type { CoordinatorContext, PaymentsContext } from '../coordinator/context';
import type { SessionLock } from '../coordinator/db/sql';
import { log } from '../coordinator/log';
import { jobsAwaitingDeposit, syncJobDeposit, syncRefunds } from './job-payment';
import { settle } from './settlement';

/**
 * The coordinator's background payments work, every `intervalMs`: start paid jobs whose deposit arrived,
 * and build and post the next settlement. One round at a time; a failing round (chain down) is logged and
 * retried next time, and nothing is lost: every step is reconciled with the chain.
 *
 * With several instances on one database, each runs this loop but only the holder of `leader` (a session
 * advisory lock, PAYMENTS_LEADER_LOCK) does a round: one coordinator key posts settlements, never two at
 * once. When the leader dies its lock frees, and the next instance to ask (within one interval) leads.
 */
export const PAYMENTS_LEADER_LOCK = 7_245_004;

export function startPaymentsLoop(
  ctx: CoordinatorContext,
  payments: PaymentsContext,
  intervalMs: number,
  leader?: SessionLock,
) {
  let running = false;
  let lastError = '';
  let leading = false;
  const stats = { rounds: 0, lastRoundAt: 0 };
  const round = async () => {
    if (running) return;
    running = true;
    try {
      const leads = leader ? await leader.held() : true;
      if (leads !== leading) {
        leading = leads;
        log.info({ leading }, leads ? 'payments: this instance leads' : 'payments: another instance leads');
      }
      if (!leads) return;
      for (const jobId of await jobsAwaitingDeposit(ctx.db)) await syncJobDeposit(ctx, jobId);
      await syncRefunds(ctx);
      const outcome = await settle(ctx, payments);
      if (outcome.posted) {
        log.info(
          {
            settlement: String(outcome.onchainId),
            jobs: outcome.jobs,
            addresses: outcome.leaves,
            totalWei: String(outcome.total),
          },
          'payments: settlement posted',
        );
      } else if (outcome.reason === 'failed') {
        log.error({ error: outcome.error }, 'payments: settlement not posted');
      }
      stats.rounds++;
      stats.lastRoundAt = Date.now();
      lastError = '';
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      // Say it once per distinct failure, not every few seconds while the chain is down.
      if (message !== lastError) log.error({ error: message }, 'payments: round failed (will retry)');
      lastError = message ?? '';
    } finally {
      running = false;
    }
  };
  const timer = setInterval(round, intervalMs);
  timer.unref();
  void round();
  return {
    stop: () => {
      clearInterval(timer);
      void leader?.release();
    },
    round,
    stats,
    leading: () => leading,
  };
}
