/**
 * The running coordinator as an attack script sees it: its process (found by the port it listens on) and
 * that process's memory, read from /proc (Linux), so that figures are the server's own, not the script's.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The pid of the process listening on `port` (from /proc/net/tcp{,6} and each process's socket fds). */
export function pidListeningOn(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') inodes.add(cols[9] as string);
    }
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const link = readlinkSync(`/proc/${entry}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode && inodes.has(inode)) return Number(entry);
      }
    } catch {
      // Not ours to read, or gone.
    }
  }
  throw new Error(`no process listens on port ${port}; pass --pid`);
}

/** Resident memory now and its high-water mark, in bytes. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Runs `work` while sampling the server's RSS every 20 ms; its peak during the work and after `settleMs`. */
export async function measured<T>(
  pid: number,
  work: () => Promise<T>,
  settleMs = 1000,
): Promise<{ result: T; ms: number; peak: number; settled: number }> {
  let peak = memoryOf(pid).rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, memoryOf(pid).rss);
  }, 20);
  const start = performance.now();
  const result = await work();
  const ms = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  clearInterval(timer);
  return { result, ms, peak, settled: memoryOf(pid).rss };
}

/** "3×201 2×429": how many answers had each status. */
export function statuses(results: { status: number }[]): string {
  const counts = new Map<number, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n}×${status}`).join(' ');
}
