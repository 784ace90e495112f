// `npm run bench:farm`: does a farm of real GPUs beat a single one? Simulated contributors of four speed
// classes (0.05 M, 5 M, 200 M and 2 G pixel-samples/s) run the real contributor loop (lib/contributor/
// contributor-loop.ts: leases ahead, submits in the background) against the real server over loopback HTTP
// with an added round trip (BENCH_RTT_MS, default 50), rendering with a stand-in whose cost does not grow
// with samples: each render sleeps pixel-samples / speed. Two runs side by side on one server build:
//   device-sized units (BENCH_SPP samples per pixel at 1920x1080, default 65536, as jobs of 8192 spp at once:
//   an unpaid job is bounded; about a minute of this farm, rendered to the end or BENCH_MAX_SECONDS),
//   the old fixed units (64 px tiles x 16 samples, a 1920x1080 x 4096 spp job, for BENCH_OLD_SECONDS), and
//   an animation (24 turntable frames of 480x270). A run's unfinished jobs are cancelled before the next.
// Per speed class: the share of its time spent rendering. For the farm: verified pixel-samples per second
// against the sum of the contributors' speeds (efficiency), the coordinator's CPU seconds per G
// pixel-samples, units and check leases per second, verification overhead, and the fast class's busy share
// per 5 s of the run (where the start and the end lose time). Needs `npm run build`. BENCH_DATABASE_URL runs
// the server on that PostgreSQL database instead of the embedded one.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlJob, createJob, getJob, leaseWork, releaseLease, submitResult } from '../lib/client/api';
import { createContributorLoop } from '../lib/contributor/contributor-loop';
import { CONSENT_VERSION, createContributorStore } from '../lib/contributor/contributor-store';
import type { JobRequest } from '../lib/protocol/job-spec';
import { JOB_SIZE_LIMITS } from '../lib/protocol/limits';
import type { RenderTask } from '../lib/protocol/render-task';
import { flatStandInRender } from '../lib/testing/stand-in-renderer';
import type { Probe, RenderOutcome } from '../workers/render-worker-api';
import { type Server, startServer, stopServer } from './bench-server';

const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 50);
const SPP = Number(process.env.BENCH_SPP) || 65_536;
/** Samples per pixel of one unpaid 1920 x 1080 job within JOB_SIZE_LIMITS.maxFreePixelSamples, a power of two. */
const FREE_SPP = 2 ** Math.floor(Math.log2(JOB_SIZE_LIMITS.maxFreePixelSamples / (1920 * 1080)));
const OLD_SECONDS = Number(process.env.BENCH_OLD_SECONDS) || 20;
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS) || 240;

/** Speed classes (pixel-samples per second) and how many contributors of each. */
const CLASSES = [
  { name: '0.05M', speed: 5e4, count: 2 },
  { name: '5M', speed: 5e6, count: 2 },
  { name: '200M', speed: 2e8, count: 1 },
  { name: '2G', speed: 2e9, count: 1 },
];
const SUM_OF_SPEEDS = CLASSES.reduce((sum, c) => sum + c.speed * c.count, 0);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) of a process and all its descendants, from /proc. */
function cpuSeconds(pid: number): number {
  const ticks = 100; // USER_HZ on Linux
  const stats = new Map<number, { ppid: number; cpu: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(name), {
        ppid: Number(fields[1]),
        cpu: (Number(fields[11]) + Number(fields[12])) / ticks,
      });
    } catch {
      // gone
    }
  }
  const inTree = (p: number): boolean => p === pid || (p > 1 && inTree(stats.get(p)?.ppid ?? 0));
  let total = 0;
  for (const [p, s] of stats) if (inTree(p)) total += s.cpu;
  return total;
}

interface Contributor {
  className: string;
  speed: number;
  renderMs: number;
  /** [start, end] of each render, ms since the run began, for the busy timeline. */
  renders: Array<[number, number]>;
  units: number;
  checks: number;
  stop: () => void;
}

/** A contributor: the real loop, a simulated GPU of `speed`, a round trip of RTT_MS per request. */
function startContributor(
  url: string,
  className: string,
  speed: number,
  index: number,
  tag: string,
): Contributor {
  const origin = `10.9.${index >> 8}.${index & 255}`;
  const rttFetch: typeof fetch = async (input, init) => {
    await sleep(RTT_MS);
    const headers = new Headers(init?.headers);
    headers.set('x-forwarded-for', origin);
    return fetch(typeof input === 'string' && input.startsWith('/') ? `${url}${input}` : input, {
      ...init,
      headers,
    });
  };
  const contributor: Contributor = {
    className,
    speed,
    renderMs: 0,
    renders: [],
    units: 0,
    checks: 0,
    stop: () => {},
  };
  const t0 = performance.now();
  const adapter = {
    vendor: 'lumengrid',
    architecture: 'bench-stand-in',
    description: 'simulated',
    isFallback: false,
  };
  const worker = {
    inspect: async (): Promise<Probe> => ({ ok: true, adapter }) as Probe,
    probe: async (): Promise<Probe> => ({ ok: true, adapter }) as Probe,
    setShare() {},
    cancel() {},
    async render(task: RenderTask): Promise<RenderOutcome> {
      const pixels = task.pixels?.length ?? task.region.width * task.region.height;
      const ms = ((pixels * (task.sampleEnd - task.sampleStart)) / speed) * 1000;
      const began = performance.now();
      const data = flatStandInRender(task);
      const left = ms - (performance.now() - began);
      if (left > 0) await sleep(left);
      contributor.renderMs += performance.now() - began;
      contributor.renders.push([began - t0, performance.now() - t0]);
      if (task.pixels) contributor.checks++;
      else contributor.units++;
      return { ok: true, data, gpuMs: ms, dispatches: 1 };
    },
  };
  const store = createContributorStore({
    consent: { version: CONSENT_VERSION, at: Date.now() },
    intensity: 1,
  });
  const loop = createContributorLoop(store, worker, {
    sessionId: `bench-farm-${tag}-${className}-${index}`.replace(/[^A-Za-z0-9_-]/g, '-'),
    idleRetryMs: 250,
    api: {
      leaseWork: (id, options) => leaseWork(id, { ...options, fetch: rttFetch }),
      submitResult: (lease, id, data, options) =>
        submitResult(lease, id, data, { ...options, fetch: rttFetch }),
      releaseLease: (lease, id, options) => releaseLease(lease, id, { ...options, fetch: rttFetch }),
    },
  });
  contributor.stop = () => loop.dispose();
  store.subscribe((state, previous) => {
    if (process.env.BENCH_VERBOSE && state.lastError && state.lastError !== previous.lastError) {
      console.error(`${className}#${index}: ${state.lastError}`);
    }
  });
  void loop.probe().then(() => loop.start());
  return contributor;
}

interface Run {
  label: string;
  seconds: number;
  verified: number;
  cpu: number;
  overhead: number;
  contributors: Contributor[];
  done: boolean;
}

/**
 * Runs the farm on `copies` identical jobs at once until all are done or `limitSeconds` pass: an unpaid job is
 * bounded (JOB_SIZE_LIMITS.maxFreePixelSamples, about 8 s of this farm), so a longer run is several of them.
 */
async function runFarm(
  server: Server,
  label: string,
  job: JobRequest,
  limitSeconds: number,
  copies = 1,
): Promise<Run> {
  const options = {
    fetch: ((input: string, init?: RequestInit) => fetch(`${server.url}${input}`, init)) as typeof fetch,
  };
  const created: { id: string; ownerToken: string }[] = [];
  for (let i = 0; i < copies; i++) created.push(await createJob(job, options));
  const cpu0 = cpuSeconds(server.process.pid ?? 0);
  const t0 = performance.now();
  let n = 0;
  const contributors = CLASSES.flatMap((c) =>
    Array.from({ length: c.count }, () => startContributor(server.url, c.name, c.speed, n++, label)),
  );
  const look = () => Promise.all(created.map((c) => getJob(c.id, options)));
  let views = await look();
  const total = views.reduce((sum, v) => sum + v.pixelSamplesTotal, 0);
  const done = () => views.reduce((sum, v) => sum + v.pixelSamplesDone, 0);
  const marks = [0.25, 0.5, 0.9, 0.99];
  const reached: string[] = [];
  while (!views.every((v) => v.status === 'done') && performance.now() - t0 < limitSeconds * 1000) {
    await sleep(250);
    views = await look();
    while (marks.length > 0 && done() >= (marks[0] as number) * total) {
      reached.push(
        `${(marks.shift() as number) * 100} % at ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
  }
  if (reached.length > 0) console.log(`  ${label}: verified ${reached.join(', ')}`);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(server.process.pid ?? 0) - cpu0;
  for (const c of contributors) c.stop();
  // The next run must not inherit this one's unfinished work: its contributors would lease it first.
  for (const [i, c] of created.entries()) {
    if (views[i]?.status !== 'done')
      await controlJob(c.id, 'cancel', { ...options, ownerToken: c.ownerToken });
  }
  await sleep(500);
  const verified = done();
  return {
    label,
    seconds,
    verified,
    cpu,
    // Each job's overhead, weighed by the work it verified.
    overhead:
      views.reduce((sum, v) => sum + v.verification.overhead * v.pixelSamplesDone, 0) / Math.max(1, verified),
    contributors,
    done: views.every((v) => v.status === 'done'),
  };
}

/** The share of each `window`-second slice of the run that `members` spent rendering, in percent. */
function busyTimeline(members: Contributor[], seconds: number, window: number): string[] {
  const slices = Math.ceil(seconds / window);
  const busy = new Array<number>(slices).fill(0);
  for (const m of members) {
    for (const [start, end] of m.renders) {
      for (let i = Math.floor(start / 1000 / window); i < slices && i * window * 1000 < end; i++) {
        const lo = Math.max(start, i * window * 1000);
        const hi = Math.min(end, (i + 1) * window * 1000);
        if (hi > lo) busy[i] = (busy[i] as number) + (hi - lo);
      }
    }
  }
  return busy.map((ms) => `${Math.round((ms / (members.length * window * 1000)) * 100)}`);
}

function report(run: Run) {
  const rate = run.verified / run.seconds;
  console.log(
    `\n${run.label}: ${run.done ? 'job done' : 'window'} in ${run.seconds.toFixed(1)} s, ${(run.verified / 1e9).toFixed(2)} G verified pixel-samples`,
  );
  for (const c of CLASSES) {
    const members = run.contributors.filter((m) => m.className === c.name);
    const busy = members.reduce((s, m) => s + m.renderMs, 0) / (members.length * run.seconds * 1000);
    const units = members.reduce((s, m) => s + m.units, 0);
    const checks = members.reduce((s, m) => s + m.checks, 0);
    console.log(
      `  class ${c.name.padStart(5)} x${c.count}: rendering ${(busy * 100).toFixed(1)} % of the time, ${units} units, ${checks} checks`,
    );
  }
  const units = run.contributors.reduce((s, m) => s + m.units, 0);
  const checks = run.contributors.reduce((s, m) => s + m.checks, 0);
  console.log(
    `  farm: ${(rate / 1e6).toFixed(1)} M verified px-samples/s of ${(SUM_OF_SPEEDS / 1e6).toFixed(1)} M (efficiency ${((rate / SUM_OF_SPEEDS) * 100).toFixed(1)} %), ` +
      `coordinator ${run.cpu.toFixed(1)} CPU-s = ${(run.cpu / (run.verified / 1e9)).toFixed(3)} CPU-s per G px-samples, ` +
      `${(units / run.seconds).toFixed(1)} units/s, ${(checks / run.seconds).toFixed(1)} check leases/s, overhead ${(run.overhead * 100).toFixed(2)} %`,
  );
  return { efficiency: rate / SUM_OF_SPEEDS, perG: run.cpu / (run.verified / 1e9) };
}

const dataRoot = mkdtempSync(join(tmpdir(), 'lumengrid-bench-farm-'));
const server = await startServer(3881, {
  LUMENGRID_DATA_DIR: join(dataRoot, 'db'),
  DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
  // Each simulated contributor is its own network origin (X-Forwarded-For from this trusted proxy).
  LUMENGRID_TRUST_PROXY: '1',
  LUMENGRID_SESSION_RATE: '1000',
});
try {
  console.log(
    `bench:farm: ${CLASSES.map((c) => `${c.count} x ${c.name}`).join(', ')} (sum ${(SUM_OF_SPEEDS / 1e9).toFixed(3)} G px-samples/s), round trip ${RTT_MS} ms`,
  );
  const scene = { scene: 'cornell', width: 1920, height: 1080, tileSize: 64 } as const;
  // SPP samples per pixel in all, as jobs of FREE_SPP each (the most an unpaid 1920 x 1080 job may take).
  const copies = Math.max(1, Math.round(SPP / FREE_SPP));
  const sized = await runFarm(
    server,
    `device-sized units (${copies} jobs x ${FREE_SPP} spp)`,
    { ...scene, samplesPerPixel: Math.min(SPP, FREE_SPP) },
    MAX_SECONDS,
    copies,
  );
  const old = await runFarm(
    server,
    'old fixed units (64 px x 16 samples)',
    { ...scene, samplesPerPixel: 4096, samplesPerUnit: 16 },
    OLD_SECONDS,
  );
  // An animation: 24 turntable frames of 480 x 270, the farm splitting frames (each its own tiles and pose).
  const animation = await runFarm(
    server,
    'animation (24 orbit frames, 480 x 270)',
    {
      scene: 'cornell',
      width: 480,
      height: 270,
      tileSize: 64,
      samplesPerPixel: Math.max(1, Math.round(SPP / 64)),
      frames: { start: 0, end: 23 },
      cameraPath: { type: 'orbit', degrees: 360 },
    },
    MAX_SECONDS,
  );
  const now = report(sized);
  const before = report(old);
  report(animation);
  const fast = sized.contributors.filter((c) => c.className === '2G');
  console.log(`  2G busy per 5 s window: ${busyTimeline(fast, sized.seconds, 5).join(' ')}`);
  const fastBusy = fast.reduce((s, m) => s + m.renderMs, 0) / (fast.length * sized.seconds * 1000);
  console.log(
    `\nside by side: efficiency ${(now.efficiency * 100).toFixed(1)} % vs ${(before.efficiency * 100).toFixed(1)} % (${(now.efficiency / before.efficiency).toFixed(0)}x), coordinator CPU-s per G px-samples ${now.perG.toFixed(3)} vs ${before.perG.toFixed(3)}`,
  );
  console.log(
    `farm: efficiency=${(now.efficiency * 100).toFixed(1)}% fast_busy=${(fastBusy * 100).toFixed(1)}% coordinator_cpu_s_per_gpxs=${now.perG.toFixed(3)}`,
  );
} catch (error) {
  // Said, not swallowed: the exit below would otherwise end a failed run with status 0 and no figures.
  console.error(error);
  process.exitCode = 1;
} finally {
  await stopServer(server);
  rmSync(dataRoot, { recursive: true, force: true });
  process.exit(process.exitCode ?? 0);
}
