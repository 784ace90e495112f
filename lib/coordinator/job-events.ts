import { randomUUID } from 'node:crypto';
import type { Sql } from './db/sql';

/**
 * Notifications of job changes, for Server-Sent Events. Subscribers of this process sit in one hub on
 * globalThis (every route module of the process shares it). Changes reach the other coordinator instances
 * on the same database through PostgreSQL's NOTIFY (relayJobEvents): a dashboard on one instance hears of a
 * result another accepted at once. The SSE stream also polls as a fallback, so a lost notification (the
 * listening connection being reopened) only delays.
 */
type Listener = () => void;

interface Hub {
  listeners: Map<string, Set<Listener>>;
}

const globalHub = globalThis as typeof globalThis & { __lumengridJobEvents?: Hub };

function hub(): Hub {
  globalHub.__lumengridJobEvents ??= { listeners: new Map() };
  return globalHub.__lumengridJobEvents;
}

/** Tells this process's subscribers of `jobId` that it changed. */
export function notifyJobChanged(jobId: string): void {
  for (const listener of hub().listeners.get(jobId) ?? []) listener();
}

export function onJobChanged(jobId: string, listener: Listener): () => void {
  const { listeners } = hub();
  const set = listeners.get(jobId) ?? new Set();
  set.add(listener);
  listeners.set(jobId, set);
  return () => {
    set.delete(listener);
    if (set.size === 0) listeners.delete(jobId);
  };
}

/** Every job's subscribers of this process, after a gap in the relay (they re-read what they show). */
function notifyAllJobsChanged(): void {
  for (const jobId of hub().listeners.keys()) notifyJobChanged(jobId);
}

export const JOB_EVENTS_CHANNEL = 'lumengrid_job_changed';

export interface JobEventRelay {
  /** This instance's subscribers at once, every other instance's through the database. */
  publish(jobId: string): void;
  close(): Promise<void>;
}

/**
 * Relays job changes between the coordinator instances of one database. The payload is `<instance> <job>`
 * (a few dozen bytes, far under NOTIFY's 8000): readers fetch what changed themselves, by the change numbers
 * their streams keep (migration 14). An instance skips its own notifications, which its subscribers heard
 * already. Notifications from many submissions in one tick go out as one per job.
 */
export async function relayJobEvents(db: Sql, instanceId: string = randomUUID()): Promise<JobEventRelay> {
  const stop = db.listen
    ? await db.listen(
        JOB_EVENTS_CHANNEL,
        (payload) => {
          const space = payload.indexOf(' ');
          if (space < 0 || payload.slice(0, space) === instanceId) return;
          notifyJobChanged(payload.slice(space + 1));
        },
        notifyAllJobsChanged,
      )
    : async () => {};
  const pending = new Set<string>();
  const flush = () => {
    const jobs = [...pending];
    pending.clear();
    for (const jobId of jobs) {
      // A failed notify only delays the other instances' streams (they poll): no reason to fail anything.
      db.query('SELECT pg_notify($1, $2)', [JOB_EVENTS_CHANNEL, `${instanceId} ${jobId}`]).catch(() => {});
    }
  };
  return {
    publish(jobId) {
      notifyJobChanged(jobId);
      if (!db.listen) return;
      if (pending.size === 0) setImmediate(flush);
      pending.add(jobId);
    },
    close: stop,
  };
}
