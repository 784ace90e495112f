/**
 * `npm run bench:render:ab -- <baseline checkout>`: our path tracer's speed against another checkout's
 * (a second git worktree at an older commit, e.g. `git worktree add ../wt-old 285ab3e` with node_modules
 * linked), side by side in ONE Node process on one Dawn device: for each bench:render scene the two
 * renderers take turns (A B A B …, same scene, size, spp and seed), so that whatever else the machine is
 * doing slows both alike and the per-round ratio cancels it. Prints each round, then per scene the median
 * of the per-round speed ratios (ours / baseline; > 1: we are faster) and whether the two images are the
 * same bits (a change that keeps results for existing scenes must give equal images).
 *
 * Settings: bench:render's environment variables (config.ts: BENCH_SIZE, BENCH_SPP, BENCH_WARMUP_SPP,
 * BENCH_BOUNCES, BENCH_SCENES) and BENCH_ROUNDS (default 4). Last line (against 285ab3e, BENCH_SIZE=64
 * BENCH_SPP=8 BENCH_ROUNDS=5 BENCH_SCENES=cornell,dense,showcase, SwiftShader on 2 shared cores):
 *   ab: cornell=1.022 dense=0.995 showcase=1.015 (ours/baseline speed, median of rounds)
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BuiltInSceneId } from '../../lib/protocol/job-spec';
import { acquireGpu } from '../../lib/render/capability';
import { nodeGpu } from '../../lib/render/node-gpu';
import { intFromEnv, readConfig } from './config';
import { OursRunner } from './ours-runner';
import type { RunReport, RunRequest } from './protocol';

interface Runner {
  run(request: RunRequest): Promise<RunReport>;
}

const baselineRoot = process.argv[2] ? resolve(process.argv[2]) : '';
const baselineModule = resolve(baselineRoot, 'scripts/bench-render/ours-runner.ts');
if (!baselineRoot || !existsSync(baselineModule)) {
  console.error(
    'usage: npm run bench:render:ab -- <baseline checkout> (a worktree with scripts/bench-render/ours-runner.ts ' +
      'and node_modules, e.g. git worktree add ../wt-old 285ab3e && ln -s "$PWD/node_modules" ../wt-old/)',
  );
  process.exit(2);
}
const config = readConfig();
const rounds = intFromEnv('BENCH_ROUNDS', 4, 1, 100);

const gpu = await acquireGpu(nodeGpu());
if (!gpu.ok) throw new Error(`${gpu.reason} ${gpu.nextStep}`);
const label = [gpu.adapter.vendor, gpu.adapter.architecture, gpu.adapter.description]
  .filter(Boolean)
  .join(' / ');
const { OursRunner: BaselineRunner } = (await import(baselineModule)) as { OursRunner: typeof OursRunner };
const runners: { name: 'baseline' | 'ours'; runner: Runner }[] = [
  { name: 'baseline', runner: new BaselineRunner(gpu.device, label) },
  { name: 'ours', runner: new OursRunner(gpu.device, label) },
];

console.log(
  `bench:render A/B — ${new Date().toISOString()}; baseline ${baselineRoot}, ours ${resolve(import.meta.dirname, '../..')}`,
);
console.log(
  `settings: ${config.size}x${config.size} x ${config.spp} spp after ${config.warmupSpp} warm-up spp, ` +
    `${config.maxBounces} bounces, ${rounds} rounds of A B, on ${label}`,
);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const summary: string[] = [];
for (const scene of config.scenes as BuiltInSceneId[]) {
  const request: RunRequest = {
    renderer: 'ours',
    scene,
    width: config.size,
    height: config.size,
    maxBounces: config.maxBounces,
    seed: 1,
    warmupSpp: config.warmupSpp,
    checkpoints: [config.spp],
    withImages: true,
  };
  const ratios: number[] = [];
  const images = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so that neither always runs right after the other's warm caches.
    const order = round % 2 === 0 ? runners : [...runners].reverse();
    const ms = new Map<string, number>();
    for (const { name, runner } of order) {
      const report = await runner.run(request);
      const last = report.checkpoints[report.checkpoints.length - 1];
      ms.set(name, last?.ms ?? Number.NaN);
      if (last?.image) images.set(name, last.image);
    }
    const ratio = (ms.get('baseline') as number) / (ms.get('ours') as number);
    ratios.push(ratio);
    console.log(
      `${scene.padEnd(9)} round ${round + 1}: baseline ${((ms.get('baseline') as number) / 1000).toFixed(2)} s, ` +
        `ours ${((ms.get('ours') as number) / 1000).toFixed(2)} s, ours/baseline speed ${ratio.toFixed(3)}`,
    );
  }
  const same = images.get('baseline') === images.get('ours');
  console.log(
    `${scene.padEnd(9)} median ours/baseline speed ${median(ratios).toFixed(3)} (rounds ${ratios.map((r) => r.toFixed(3)).join(', ')}); ` +
      `images ${same ? 'bit-identical' : 'DIFFER'}`,
  );
  summary.push(`${scene}=${median(ratios).toFixed(3)}`);
}
console.log(`ab: ${summary.join(' ')} (ours/baseline speed, median of rounds)`);
gpu.device.destroy();
process.exit(0);
