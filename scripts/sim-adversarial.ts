/**
 * `npm run sim:adversarial`: many simulated contributors, honest and cheating, work through the real
 * coordinator (the Next.js server as `npm start` runs it, over HTTP, with its embedded database) and render
 * with the real WGSL path tracer in Node (Dawn). Prints, per strategy, the share of bad units caught before
 * credit, the share of honest units rejected and the checks done; then the verification overhead (samples
 * rendered for checks / samples credited). Asserts nothing.
 *
 *
 *   SIM_JOBS (2)  SIM_SIZE (256)  SIM_TILE (64)  SIM_SPP (24)  SIM_SPU (4)  SIM_HONEST (12)  SIM_PORT (3919)
 *
 * Two phases on one server: an honest farm (what checking costs in the normal case), then the adversarial
 * farm. Last line, for scripts: `verification: caught=…% honest_rejected=…% overhead=…%`: the worst strategy's
 * catch rate (adversarial phase), the rejection rate of honest contributors' units over both phases, and the
 * overhead of the honest farm at the default confidence (the overhead under attack is printed above it).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sessionPublicKey, signResult } from '../lib/client/session-key';
import type { ContributorView, JobView, Lease } from '../lib/protocol/api-types';
import { SESSION_HEADER } from '../lib/protocol/api-types';
import { SIGNATURE_HEADER } from '../lib/protocol/session-signature';
import { acquireGpu } from '../lib/render/capability';
import { nodeGpu } from '../lib/render/node-gpu';
import { PathTracer } from '../lib/render/path-tracer';
import {
  coordinatorEnvironmentMapDownload,
  coordinatorSceneDownload,
  SceneLoader,
} from '../lib/render/scene-loader';
import { type FarmApi, type FarmMember, runFarm, type StrategyScore } from '../lib/testing/farm';
import { createConspiracy, STRATEGIES, type StrategyId } from '../lib/testing/strategies';

const int = (name: string, fallback: number) => Number(process.env[name] || fallback);
const JOBS = int('SIM_JOBS', 2);
const SIZE = int('SIM_SIZE', 256);
const TILE = int('SIM_TILE', 64);
const SPP = int('SIM_SPP', 24);
/** Samples per unit: lazy cheats need more than one to skip any. */
const SPU = int('SIM_SPU', 4);
const HONEST = int('SIM_HONEST', 12);
const PORT = int('SIM_PORT', 3919);
const base = `http://127.0.0.1:${PORT}`;
const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'lumengrid-sim-'));

console.log(
  `sim:adversarial — ${JOBS} job(s) of ${SIZE}x${SIZE} x ${SPP} spp, ${TILE}px tiles, ${SPU} spp per unit`,
);
const server = spawn(process.execPath, [join(root, 'scripts/start.mjs')], {
  cwd: root,
  // Behind the simulated "proxy", each contributor's X-Forwarded-For is its network origin.
  env: {
    ...process.env,
    PORT: String(PORT),
    LUMENGRID_DATA_DIR: join(scratch, 'db'),
    LUMENGRID_TRUST_PROXY: '1',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((ready, fail) => {
  server.stdout?.on('data', (d) => (String(d).includes('Lumengrid is running') ? ready() : undefined));
  server.on('exit', (code) => fail(new Error(`the server exited with ${code}`)));
});

try {
  const gpu = await acquireGpu(nodeGpu());
  if (!gpu.ok) throw new Error(`${gpu.reason} ${gpu.nextStep}`);
  const tracer = await PathTracer.create(gpu.device);
  const scenes = new SceneLoader(
    tracer,
    coordinatorSceneDownload(base),
    coordinatorEnvironmentMapDownload(base),
  );
  let renderedPixelSamples = 0;
  const render = async (task: Lease['task']) => {
    await scenes.ensureTask(task);
    const { data } = await tracer.render(task);
    renderedPixelSamples += (data.length / 5) * (task.sampleEnd - task.sampleStart);
    return data;
  };

  const call = async (path: string, init: RequestInit, origin?: string) => {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        ...(origin ? { 'x-forwarded-for': origin } : {}),
      },
    });
    if (response.status >= 400) {
      const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
      throw Object.assign(new Error(`${path}: ${response.status} ${body.message ?? ''}`), { body });
    }
    return response;
  };
  const api: FarmApi = {
    async lease(sessionId, origin) {
      const response = await call(
        '/api/work/lease',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            sessionId,
            publicKey: await sessionPublicKey(sessionId),
            adapter: { vendor: gpu.adapter.vendor, architecture: gpu.adapter.architecture },
          }),
        },
        origin,
      );
      return response.status === 204 ? null : ((await response.json()) as Lease);
    },
    async submit(lease, sessionId, data) {
      const body = new Uint8Array(data.slice().buffer);
      await call(`/api/work/leases/${lease.leaseId}/result`, {
        method: 'PUT',
        headers: {
          'content-type': 'application/octet-stream',
          [SESSION_HEADER]: sessionId,
          [SIGNATURE_HEADER]: await signResult(sessionId, lease.leaseId, body),
        },
        body,
      });
    },
    async contributor(sessionId) {
      return (await (
        await call(`/api/contributors/${sessionId}`, { method: 'GET' })
      ).json()) as ContributorView;
    },
  };

  const createJobs = async (count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const response = await call('/api/jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          scene: 'cornell',
          width: SIZE,
          height: SIZE,
          samplesPerPixel: SPP,
          tileSize: TILE,
          samplesPerUnit: SPU,
          maxBounces: 3,
        }),
      });
      ids.push(((await response.json()) as JobView).id);
    }
    return ids;
  };
  /** Check pixel-samples over credited pixel-samples of some jobs, as their dashboards report them. */
  const overheadOf = async (ids: string[]) => {
    const views = await Promise.all(
      ids.map(async (id) => (await (await call(`/api/jobs/${id}`, { method: 'GET' })).json()) as JobView),
    );
    const credited = views.reduce((n, v) => n + v.pixelSamplesDone, 0);
    const checks = views.reduce((n, v) => n + v.verification.checkPixelSamples, 0);
    return { views, credited, checks, overhead: credited > 0 ? checks / credited : Number.NaN };
  };
  const honestOrigins = (prefix: string) =>
    Array.from({ length: HONEST }, (_, i) => ({
      strategy: 'honest' as StrategyId,
      origin: `${prefix}.${i + 1}`,
    }));

  // Phase 1: an honest farm, for what verification costs a requestor in the normal case.
  const calmJobs = await createJobs(JOBS);
  const calmBegan = performance.now();
  const calm = await runFarm(api, honestOrigins('10.1.0'), render, {
    sessionPrefix: 'calm',
    idleWaitMs: 6000,
  });
  const calmCost = await overheadOf(calmJobs);
  console.log(
    `\nhonest farm: ${HONEST} contributors, ${calm.submissions.length} submissions in ${((performance.now() - calmBegan) / 1000).toFixed(1)} s; ` +
      `check pixel-samples ${calmCost.checks} / credited ${calmCost.credited} = overhead ${(100 * calmCost.overhead).toFixed(2)}%; ` +
      `honest units rejected ${calm.scores.reduce((n, x) => n + x.honestRejected, 0)} of ${calm.scores.reduce((n, x) => n + x.honestUnits, 0)}`,
  );

  // Phase 2: every strategy once (two colluding sessions) among a majority of honest contributors.
  const jobs = await createJobs(JOBS);
  const cheats = STRATEGIES.filter((s) => s !== 'honest');
  const members: FarmMember[] = [
    ...honestOrigins('10.0.0'),
    ...cheats.map((strategy, i) => ({ strategy, origin: `10.0.1.${i + 1}` })),
    { strategy: 'colluding', origin: '10.0.2.1' },
  ];
  const began = performance.now();
  const report = await runFarm(api, members, render, { conspiracy: createConspiracy(), idleWaitMs: 6000 });
  const seconds = (performance.now() - began) / 1000;
  const { views, credited, checks: checkSamples, overhead: attackOverhead } = await overheadOf(jobs);
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

  console.log(
    `\n${members.length} contributors, ${report.submissions.length} submissions in ${seconds.toFixed(1)} s; jobs ${views.map((v) => v.status).join(', ')}`,
  );
  console.log(
    'strategy               sessions  bad units  caught   escaped  honest units  honest rejected  checks',
  );
  const row = (s: StrategyScore) =>
    `${s.strategy.padEnd(22)} ${String(s.sessions).padStart(8)} ${String(s.badUnits).padStart(10)} ${
      s.badUnits ? pct(s.caught / s.badUnits).padStart(8) : '     n/a'
    } ${String(s.escaped).padStart(8)} ${String(s.honestUnits).padStart(13)} ${String(s.honestRejected).padStart(16)} ${String(s.checksDone).padStart(7)}`;
  for (const s of report.scores) console.log(row(s));

  const cheating = report.scores.filter((s) => s.badUnits > 0);
  const worst = cheating.reduce((w, s) => Math.min(w, s.caught / s.badUnits), 1);
  // Honest contributors' units. A lying checker's own (honestly rendered) units are not among them: once a
  // trusted verifier convicts it, the units it had accepted in the audit window are taken back by design.
  const scores = [...calm.scores, ...report.scores].filter((s) => s.strategy === 'honest');
  const honestUnits = scores.reduce((n, s) => n + s.honestUnits, 0);
  const honestRejected = scores.reduce((n, s) => n + s.honestRejected, 0);
  const liarsUnits = report.scores
    .filter((s) => s.strategy !== 'honest')
    .reduce((n, s) => n + s.honestRejected, 0);
  console.log(
    `\nbad units ${cheating.reduce((n, s) => n + s.badUnits, 0)}, escaped ${cheating.reduce((n, s) => n + s.escaped, 0)}; ` +
      `honest contributors' units ${honestUnits} (both phases), rejected ${honestRejected}; ` +
      `units of convicted liars taken back ${liarsUnits}; under attack check pixel-samples ` +
      `${checkSamples} / credited ${credited} = overhead ${pct(attackOverhead)}; ` +
      `rendered on the GPU ${renderedPixelSamples} pixel-samples`,
  );
  console.log(
    `verification: caught=${pct(worst)} honest_rejected=${pct(honestUnits ? honestRejected / honestUnits : 0)} overhead=${pct(calmCost.overhead)}`,
  );
} finally {
  server.kill('SIGINT');
  await new Promise((done) => server.on('exit', done));
  rmSync(scratch, { recursive: true, force: true });
}
