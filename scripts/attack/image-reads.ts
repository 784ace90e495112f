/**
 * What image reads and event streams cost a running coordinator: creates a free 4096 × 4096 job, fires
 * concurrent GETs of each image endpoint (then again with the ETag they answered), opens event streams,
 * and prints the time, the statuses and the server's peak and settled resident memory (VmRSS sampled from
 * /proc/<pid>/status every 20 ms, and VmHWM, the process's high-water mark).
 *
 *   npx tsx scripts/attack/image-reads.ts --url http://127.0.0.1:3103 [--pid N] [--size 4096]
 *     [--concurrency 8] [--streams 40] [--settle-ms 3000]
 *
 * --pid defaults to the process listening on the URL's port (found through /proc/net/tcp). Needs a server
 * with payments off (LUMENGRID_CHAIN=off) or a free job otherwise accepted.
 */
import { mb, measured as measuredOn, memoryOf, pidListeningOn, statuses } from './server-process';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const url = arg('url', 'http://127.0.0.1:3103').replace(/\/$/, '');
const size = Number(arg('size', '4096'));
const concurrency = Number(arg('concurrency', '8'));
const streams = Number(arg('streams', '40'));
const settleMs = Number(arg('settle-ms', '3000'));
const pid = Number(arg('pid', '0')) || pidListeningOn(Number(new URL(url).port || 80));
const memory = () => memoryOf(pid);
const measured = <T>(work: () => Promise<T>) => measuredOn(pid, work, settleMs);

const sized = (bytes: number) => (bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} kB` : mb(bytes));

/** A GET read to its end; a connection that fails counts as status 0. */
async function get(path: string, headers: Record<string, string> = {}) {
  const start = performance.now();
  try {
    const response = await fetch(`${url}${path}`, { headers });
    let bytes = 0;
    const reader = response.body?.getReader();
    for (let read = await reader?.read(); read && !read.done; read = await reader?.read())
      bytes += read.value.byteLength;
    return {
      status: response.status,
      bytes,
      etag: response.headers.get('etag'),
      ms: performance.now() - start,
    };
  } catch {
    return { status: 0, bytes: 0, etag: null, ms: performance.now() - start };
  }
}

async function main() {
  const created = await fetch(`${url}/api/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scene: 'cornell', width: size, height: size, samplesPerPixel: 1 }),
  });
  if (!created.ok) throw new Error(`creating the job: ${created.status} ${await created.text()}`);
  const job = (await created.json()) as { id: string };
  const start = memory();
  console.log(`server pid ${pid} at ${url}; job ${job.id} (${size}×${size}, free)`);
  console.log(`RSS before: ${mb(start.rss)} (high-water mark ${mb(start.hwm)})`);
  console.log('');
  console.log(
    'what                                     | time     | statuses          | body each  | peak RSS | settled RSS',
  );

  const paths = ['image.png', 'image.pfm', 'accumulation', 'image.png?maxSize=256'];
  const etags = new Map<string, string>();
  for (const path of paths) {
    const run = await measured(() =>
      Promise.all(Array.from({ length: concurrency }, () => get(`/api/jobs/${job.id}/${path}`))),
    );
    const ok = run.result.find((r) => r.status === 200);
    if (ok?.etag) etags.set(path, ok.etag);
    print(`${concurrency} × GET ${path}`, run, ok?.bytes ?? 0);
  }
  for (const path of paths) {
    const etag = etags.get(path);
    if (!etag) continue;
    const run = await measured(() =>
      Promise.all(
        Array.from({ length: concurrency }, () =>
          get(`/api/jobs/${job.id}/${path}`, { 'if-none-match': etag }),
        ),
      ),
    );
    print(`${concurrency} × GET ${path} (If-None-Match)`, run, run.result[0]?.bytes ?? 0);
  }

  // Event streams: open them all, hold them for 5 s (two polls), count what each read.
  const controllers: AbortController[] = [];
  const run = await measured(async () => {
    const opened = await Promise.all(
      Array.from({ length: streams }, async () => {
        const controller = new AbortController();
        controllers.push(controller);
        const response = await fetch(`${url}/api/jobs/${job.id}/events`, { signal: controller.signal });
        let bytes = 0;
        if (response.ok && response.body) {
          const reader = response.body.getReader();
          void (async () => {
            try {
              for (;;) {
                const { done, value } = await reader.read();
                if (done) break;
                bytes += value.byteLength;
              }
            } catch {
              // Aborted below.
            }
          })();
        } else await response.body?.cancel();
        return { status: response.status, bytes: () => bytes };
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 5000));
    for (const c of controllers) c.abort();
    return opened;
  });
  const first = run.result.find((r) => r.status === 200);
  print(`${streams} event streams held 5 s`, { ...run, result: run.result }, first?.bytes() ?? 0);
  const end = memory();
  console.log('');
  console.log(
    `RSS after: ${mb(end.rss)}; high-water mark ${mb(end.hwm)} (${mb(end.hwm - start.hwm)} above the start's)`,
  );
}

function print(
  what: string,
  run: { result: { status: number }[]; ms: number; peak: number; settled: number },
  bytes: number,
) {
  console.log(
    [
      what.padEnd(40),
      `${(run.ms / 1000).toFixed(2)} s`.padStart(8),
      statuses(run.result).padEnd(17),
      sized(bytes).padStart(10),
      mb(run.peak).padStart(8),
      mb(run.settled).padStart(11),
    ].join(' | '),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
