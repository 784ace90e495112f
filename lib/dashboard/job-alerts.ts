/**
 * What a requestor who looked away should notice: the tab's title says how far the job is, and a browser
 * notification (when they allowed it) says that it finished or waits for a deposit. Plain functions, so the
 * rules are tested in Node; components/jobs/use-job-alerts.ts applies them.
 */
import type { JobView } from '../protocol/api-types';

export type JobAlert = 'finished' | 'deposit-needed' | 'cancelled';

type AlertJob = Pick<JobView, 'id' | 'status' | 'pixelSamplesDone' | 'pixelSamplesTotal'>;

/** The tab's title for a job's page. */
export function jobTitle(job: AlertJob, base = 'Lumengrid'): string {
  const name = `job ${job.id.slice(0, 8)}`;
  switch (job.status) {
    case 'done':
      return `✓ Done · ${name} · ${base}`;
    case 'awaiting-deposit':
      return `Deposit needed · ${name} · ${base}`;
    case 'cancelled':
      return `Cancelled · ${name} · ${base}`;
    case 'paused':
      return `Paused ${percent(job)} · ${name} · ${base}`;
    default:
      return `${percent(job)} · ${name} · ${base}`;
  }
}

function percent(job: AlertJob): string {
  const fraction = job.pixelSamplesTotal > 0 ? job.pixelSamplesDone / job.pixelSamplesTotal : 0;
  return `${Math.floor(Math.min(1, fraction) * 100)} %`;
}

/** The alert a job's state calls for, or null (rendering and paused jobs need nobody). */
export function alertOf(job: Pick<JobView, 'status'>): JobAlert | null {
  if (job.status === 'done') return 'finished';
  if (job.status === 'awaiting-deposit') return 'deposit-needed';
  return null;
}

/**
 * Whether to notify: the job moved, while this page watched it, into a state that calls for an alert this
 * browser has not shown for it yet (a reload does not notify twice). A job seen for the first time already
 * done or waiting needs no notification: the page in front of the requestor says so.
 */
export function alertToShow(
  job: Pick<JobView, 'status'>,
  previousStatus: JobView['status'] | undefined,
  alreadyShown: string | undefined,
): JobAlert | null {
  const alert = alertOf(job);
  if (alert === null || alert === alreadyShown) return null;
  if (previousStatus === undefined || previousStatus === job.status) return null;
  return alert;
}

export function notificationText(job: Pick<JobView, 'id'>, alert: JobAlert): { title: string; body: string } {
  const name = `Job ${job.id.slice(0, 8)}`;
  if (alert === 'finished')
    return { title: `${name} is done`, body: 'Every sample is rendered and verified.' };
  if (alert === 'deposit-needed') {
    return {
      title: `${name} needs its deposit`,
      body: 'Deposit from your wallet on the job page to start it.',
    };
  }
  return { title: `${name} was cancelled`, body: 'It hands out no more work.' };
}
