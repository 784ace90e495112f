/**
 * What hostile scene uploads cost a running coordinator: server time per request and the server's memory
 * (VmRSS sampled every 20 ms, and VmHWM, from /proc/<pid>/status). Uploads, in order:
 *   bomb       a 4 MB .glb whose texture PNG declares 1x1 pixels and inflates to 4 GiB
 *   bomb x2    two of them at once
 *   box+bomb   Box.glb uploaded while a bomb is being handled: does the server keep answering?
 *   instanced  one mesh drawn by many nodes (2 M triangles) and four solid 4096² textures, under 1 MB
 *   barrel     Barrel.glb (3.7 MB, three 2048² PNG maps): its stored size
 * Then the sizes the database holds (the data folder's size on disk when --data-dir is given).
 *
 *   node --import tsx scripts/attack/upload-bomb.ts --url http://127.0.0.1:3100 [--pid N] [--data-dir DIR]
 *
 * The server's pid is found by the port when not given (the process listening on it, from /proc/net/tcp).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pngBomb, solidPng, texturedGlb } from '../../lib/testing/hostile-scenes';
import { memoryOf, pidListeningOn } from './server-process';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3100' },
    pid: { type: 'string' },
    'data-dir': { type: 'string' },
    skip: { type: 'string', default: '' },
  },
});
const base = values.url.replace(/\/$/, '');
const pid = values.pid ? Number(values.pid) : pidListeningOn(Number(new URL(base).port || 80));
const skip = new Set(values.skip.split(',').filter(Boolean));

const memory = () => memoryOf(pid);

const MiB = 2 ** 20;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;

async function upload(name: string, bytes: Uint8Array) {
  const form = new FormData();
  form.append('files', new Blob([bytes as Uint8Array<ArrayBuffer>]), name);
  const started = performance.now();
  const response = await fetch(`${base}/api/scenes`, { method: 'POST', body: form }).catch(
    (error: Error) => error,
  );
  if (response instanceof Error) {
    const cause = (response.cause as Error | undefined)?.message ?? response.message;
    return {
      status: 0,
      ms: performance.now() - started,
      body: { message: `no answer (${cause})` },
      retryAfter: null,
    };
  }
  const body = (await response.json().catch(() => ({}))) as {
    message?: string;
    hash?: string;
    bytes?: number;
  };
  return {
    status: response.status,
    ms: performance.now() - started,
    body,
    retryAfter: response.headers.get('retry-after'),
  };
}

/** Runs `attempt`, sampling the server's memory meanwhile. */
async function measured<T>(label: string, attempt: () => Promise<T>): Promise<T> {
  const before = memory();
  let peak = before.rss;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, memory().rss);
    } catch {
      // the server died
    }
  }, 20);
  const started = performance.now();
  try {
    return await attempt();
  } finally {
    clearInterval(timer);
    let after = { rss: 0, hwm: 0 };
    try {
      after = memory();
    } catch {
      console.log(`  ${label}: THE SERVER PROCESS IS GONE`);
    }
    console.log(
      `  ${label}: ${((performance.now() - started) / 1000).toFixed(2)} s; server RSS ${mib(before.rss)} -> peak ${mib(peak)} (+${mib(peak - before.rss)}), VmHWM ${mib(after.hwm)}`,
    );
  }
}

const show = (r: Awaited<ReturnType<typeof upload>>) =>
  `HTTP ${r.status} in ${(r.ms / 1000).toFixed(2)} s${r.retryAfter ? ` (Retry-After ${r.retryAfter})` : ''}: ${r.body.message ?? (r.body.hash ? `stored ${r.body.hash.slice(0, 12)}, ${mib(r.body.bytes ?? 0)} packed` : '')}`;

console.log(`server ${base}, pid ${pid}, RSS ${mib(memory().rss)}, VmHWM ${mib(memory().hwm)}`);
const bomb = texturedGlb(pngBomb(4 * 2 ** 30));
console.log(`bomb: ${(bomb.length / 1e6).toFixed(1)} MB .glb, PNG declares 1x1, inflates to 4 GiB`);

if (!skip.has('bomb')) {
  const r = await measured('bomb', () => upload('bomb.glb', bomb));
  console.log(`    ${show(r)}`);
}
if (!skip.has('bomb2')) {
  const rs = await measured('bomb x2 at once', () =>
    Promise.all([upload('bomb-a.glb', bomb), upload('bomb-b.glb', bomb)]),
  );
  for (const r of rs) console.log(`    ${show(r)}`);
}
if (!skip.has('box')) {
  const box = new Uint8Array(readFileSync(new URL('../../e2e/fixtures/scenes/Box.glb', import.meta.url)));
  const [b, x] = await measured('box while a bomb is handled', async () => {
    const bombing = upload('bomb-c.glb', bomb);
    await new Promise((r) => setTimeout(r, 50));
    const boxed = upload('Box.glb', box);
    const list = performance.now();
    const listed = await fetch(`${base}/api/jobs`);
    console.log(
      `    GET /api/jobs meanwhile: HTTP ${listed.status} in ${((performance.now() - list) / 1000).toFixed(2)} s`,
    );
    return Promise.all([bombing, boxed]);
  });
  console.log(`    bomb ${show(b)}\n    box  ${show(x)}`);
}
if (!skip.has('instanced')) {
  const textures = [1, 2, 3].map((k) => solidPng(4096, 4096, [40 * k, 200, 90, 255]));
  const scene = texturedGlb(solidPng(4096, 4096, [200, 30, 30, 255]), {
    instances: 950,
    gridTriangles: 2000,
    textures,
  });
  console.log(
    `instanced: ${(scene.length / 1e6).toFixed(2)} MB .glb, 950 nodes x 2048 triangles, four 4096² textures`,
  );
  const r = await measured('instanced', () => upload('instanced.glb', scene));
  console.log(`    ${show(r)}`);
}
if (!skip.has('barrel')) {
  const barrel = new Uint8Array(
    readFileSync(new URL('../../e2e/fixtures/scenes/Barrel.glb', import.meta.url)),
  );
  const r = await measured('barrel', () => upload('Barrel.glb', barrel));
  console.log(`    ${show(r)}`);
  if (r.body.hash) {
    const gz = await fetch(`${base}/api/scenes/${r.body.hash}`, { headers: { 'accept-encoding': 'gzip' } });
    console.log(
      `    GET scene: content-encoding ${gz.headers.get('content-encoding') ?? 'none'}, ${mib((await gz.arrayBuffer()).byteLength)} decoded`,
    );
  }
}
const dataDir = values['data-dir'];
if (dataDir) {
  const size = (path: string): number => {
    const s = statSync(path);
    return s.isDirectory() ? readdirSync(path).reduce((n, e) => n + size(join(path, e)), 0) : s.size;
  };
  console.log(`data folder ${dataDir}: ${mib(size(dataDir))} on disk`);
}
const end = memory();
console.log(`server now RSS ${mib(end.rss)}, VmHWM ${mib(end.hwm)}`);
