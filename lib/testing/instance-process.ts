import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

/**
 * A coordinator instance as a process of its own (lib/testing/instance-child.ts) on the PostgreSQL schema
 * `where` (`<url>#<schema>`): tests of several instances run them this way, so that nothing in memory is
 * shared. The test drives it over IPC with `ask`; job events its dashboard stream sent arrive in `events`.
 */
export interface InstanceProcess {
  child: ChildProcess;
  ask<T = Record<string, unknown>>(message: Record<string, unknown>): Promise<T>;
  events: { event: string; at: number; job: { unitsDone: number } }[];
}

/**
 * `leaderLock`: the advisory lock its payments loop elects a leader by. Locks are per database, not per
 * schema: test files that run at once on one server each pass their own, or one's instances would lead
 * another's.
 */
export function startInstance(
  where: string,
  env: Record<string, string> = {},
  leaderLock?: number,
): Promise<InstanceProcess> {
  const args = leaderLock === undefined ? [where] : [where, String(leaderLock)];
  const child = fork(join(import.meta.dirname, 'instance-child.ts'), args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (reply: never) => void>();
  const events: InstanceProcess['events'] = [];
  let next = 0;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
    child.on('message', (message: { id?: number; ready?: boolean; event?: string }) => {
      if (message.ready) {
        resolve({
          child,
          events,
          ask: (request) =>
            new Promise((answer) => {
              const id = ++next;
              waiting.set(id, answer as never);
              child.send({ ...request, id });
            }),
        });
      } else if (message.event) events.push(message as InstanceProcess['events'][number]);
      else if (message.id) waiting.get(message.id)?.(message as never);
    });
  });
}

/** Waits until `condition` holds, checking every 20 ms, or throws after `ms`. */
export async function until(condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
