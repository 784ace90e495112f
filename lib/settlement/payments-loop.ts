import type { CoordinatorContext, PaymentsContext } from '../coordinator/context';
import { jobsAwaitingDeposit, syncJobDeposit, syncRefunds } from './job-payment';
import { settle } from './settlement';

/**
 * The coordinator's background payments work, every `intervalMs`: start paid jobs whose deposit arrived,
 * and build and post the next settlement. One round at a time; a failing round (chain down) is logged and
 * retried next time, and nothing is lost: every step is reconciled with the chain.
 */
export function startPaymentsLoop(ctx: CoordinatorContext, payments: PaymentsContext, intervalMs: number) {
  let running = false;
  let lastError = '';
  const round = async () => {
    if (running) return;
    running = true;
    try {
      for (const jobId of await jobsAwaitingDeposit(ctx.db)) await syncJobDeposit(ctx, jobId);
      await syncRefunds(ctx);
      const outcome = await settle(ctx, payments);
      if (outcome.posted) {
        console.log(
          `payments: settlement ${outcome.onchainId} posted: ${outcome.jobs} job(s), ${outcome.leaves} address(es), total ${outcome.total} wei`,
        );
      } else if (outcome.reason === 'failed') {
        console.error(`payments: settlement not posted: ${outcome.error}`);
      }
      lastError = '';
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      // Say it once per distinct failure, not every few seconds while the chain is down.
      if (message !== lastError) console.error(`payments: round failed (will retry): ${message}`);
      lastError = message ?? '';
    } finally {
      running = false;
    }
  };
  const timer = setInterval(round, intervalMs);
  timer.unref();
  void round();
  return { stop: () => clearInterval(timer), round };
}
