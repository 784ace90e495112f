/**
 * `npm run sim:cartel`: Sybil cartels of growing size against the real coordinator (in process, embedded
 * database, stand-in renderer, a clock moved by hand; lib/testing/cartel.ts). Prints per scenario what the
 * cartel got through and what the honest members lost, and last, for scripts:
 *
 *   cartel: escaped_at_33=…% escaped_at_50=…% honest_rejected=…% longcon_net=…
 *
 * escaped: fake units paid (their unit credit settleable at the end) / fake units submitted, for cartels of
 * 33 % and 50 % of the sessions; honest_rejected: the worst share of honest submissions rejected among the
 * scenarios whose cartel is at most half the farm; longcon_net: the long con's settleable credit minus the
 * honest pixel-samples it rendered. Asserts nothing.
 *
 *   --no-verifier   run without the operator's trusted verifier session
 *   SIM_JOBS (3)  SIM_HONEST (12)  SIM_SEED (14)  SIM_ROUNDS (200)
 *
 * The run's own choices (who asks first, which pixels the cartel fakes) are seeded; the coordinator draws
 * checkers and check pixels with node:crypto, so figures move a little from run to run.
 */

import { type CartelReport, type CartelScenario, cartelSize, runCartelScenario } from '../lib/testing/cartel';
import { createTestContext } from '../lib/testing/test-context';

const int = (name: string, fallback: number) => Number(process.env[name] || fallback);
const JOBS = int('SIM_JOBS', 3);
const HONEST = int('SIM_HONEST', 12);
const SEED = int('SIM_SEED', 14);
const ROUNDS = int('SIM_ROUNDS', 200);
const verifier = !process.argv.includes('--no-verifier');

const job = { width: 64, height: 64, samplesPerPixel: 8, tileSize: 16, samplesPerUnit: 2 };
const base = { honest: HONEST, verifier, jobs: JOBS, job, maxRounds: ROUNDS };

const scenarios: (CartelScenario & { share: number })[] = [
  { ...base, name: 'honest', share: 0, cartel: 0, seed: SEED },
  ...[0.1, 0.33, 0.5, 0.8].map((share) => ({
    ...base,
    name: `cartel${Math.round(share * 100)}`,
    share,
    cartel: cartelSize(HONEST, share),
    seed: SEED + Math.round(share * 100),
  })),
  // A third of a 33 % cartel submits zeros, so that the rest earn check credit for whatever they answer.
  {
    ...base,
    name: 'throwaway33',
    share: 0.33,
    cartel: cartelSize(HONEST, 0.33) - Math.round(cartelSize(HONEST, 0.33) / 3),
    throwaway: Math.round(cartelSize(HONEST, 0.33) / 3),
    seed: SEED + 133,
  },
  // Honest through the first half of the jobs, then faking (at least two jobs, so it has a first half).
  {
    ...base,
    jobs: Math.max(2, JOBS),
    name: 'longcon33',
    share: 0.33,
    cartel: 0,
    longCon: cartelSize(HONEST, 0.33),
    seed: SEED + 233,
  },
];

console.log(
  `sim:cartel — ${HONEST} honest members${verifier ? ' + 1 trusted verifier' : ', no trusted verifier'}; ` +
    `${JOBS} job(s) of ${job.width}x${job.height} x ${job.samplesPerPixel} spp per scenario, ` +
    `${job.tileSize}px tiles, ${job.samplesPerUnit} spp per unit; seed ${SEED}`,
);

const t = await createTestContext({ leaseTtlMs: 30_000 });
const reports: (CartelReport & { share: number })[] = [];
try {
  for (const scenario of scenarios) {
    await t.reset();
    const report = await runCartelScenario(t, scenario);
    reports.push({ ...report, share: scenario.share });
    console.log(
      `  ${report.name}: ${report.sessions} sessions, ${report.rounds} rounds, jobs ${report.jobsDone}/${report.jobs}, ` +
        `${report.seconds.toFixed(1)} s`,
    );
  }
} finally {
  await t.close();
}

const pct = (n: number, d: number) => (d > 0 ? `${((100 * n) / d).toFixed(2)}%` : 'n/a');
const columns: [string, (r: CartelReport & { share: number }) => string][] = [
  ['scenario', (r) => r.name],
  ['cartel', (r) => `${r.members.cartel + r.members.throwaway + r.members.longcon}`],
  ['share', (r) => `${Math.round(r.share * 100)}%`],
  ['fakes', (r) => `${r.fakeSubmitted}`],
  ['accepted', (r) => `${r.fakeAccepted}`],
  ['paid', (r) => `${r.fakePaid}`],
  ['escaped', (r) => pct(r.fakePaid, r.fakeSubmitted)],
  ['zeros acc', (r) => (r.zeroSubmitted ? `${r.zeroAccepted}/${r.zeroSubmitted}` : '-')],
  ['honest rej', (r) => `${r.honestRejected}/${r.honestSubmitted}`],
  ['rej %', (r) => pct(r.honestRejected, r.honestSubmitted)],
  ['open', (r) => `${r.honestOpen}`],
  ['h quar', (r) => `${r.honestQuarantined}${r.verifierQuarantined ? `+${r.verifierQuarantined}v` : ''}`],
  ['c quar', (r) => `${r.cartelQuarantined}`],
  ['overhead', (r) => pct(r.honestCheckPixelSamples, r.acceptedPixelSamples)],
  ['verifier', (r) => `${r.verifierCheckPixelSamples}`],
  ['cartel paid', (r) => `${r.cartelPaid}`],
  ['chk on rej', (r) => `${r.cartelCheckCreditOnRejected}`],
  ['cartel work', (r) => `${r.cartelWork}`],
  ['net', (r) => `${r.cartelNet}`],
];
const cells = reports.map((r) => columns.map(([, f]) => f(r)));
const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((row) => (row[i] as string).length)));
const line = (row: string[]) =>
  row.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
console.log('');
console.log(line(columns.map(([h]) => h)));
for (const row of cells) console.log(line(row));
console.log(
  '\nfakes: unit submissions with a fifth of their pixels faked; accepted: credited at some point; paid: their' +
    ' unit credit settleable at the end (matured, not forfeited); honest rej: rejected honest submissions /' +
    ' honest submissions (open: still undecided); h quar: honest sessions quarantined (+v: the verifier);' +
    ' overhead: check pixel-samples rendered by honest members and the verifier / accepted pixel-samples;' +
    ' verifier: check pixel-samples it rendered; cartel paid: settleable credit of cartel sessions;' +
    ' chk on rej: of it, check credit on rejected units; cartel work: honest pixel-samples the cartel rendered;' +
    ' net: paid - work (pixel-samples).',
);
const refused = reports.reduce((n, r) => n + r.refused, 0);
if (refused > 0) console.log(`lease or submit calls refused (rate limits, expired leases): ${refused}`);

const byName = (name: string) => reports.find((r) => r.name === name) as CartelReport;
const escaped = (name: string) => {
  const r = byName(name);
  return r.fakeSubmitted > 0 ? (100 * r.fakePaid) / r.fakeSubmitted : 0;
};
const worstHonest = reports
  .filter((r) => r.share <= 0.5)
  .reduce((w, r) => Math.max(w, r.honestSubmitted > 0 ? (100 * r.honestRejected) / r.honestSubmitted : 0), 0);
console.log(
  `cartel: escaped_at_33=${escaped('cartel33').toFixed(2)}% escaped_at_50=${escaped('cartel50').toFixed(2)}% ` +
    `honest_rejected=${worstHonest.toFixed(2)}% longcon_net=${byName('longcon33').cartelNet}`,
);
