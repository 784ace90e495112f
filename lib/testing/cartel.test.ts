import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CartelScenario, cartelSize, runCartelScenario } from './cartel';
import { createTestContext } from './test-context';

// The bookkeeping of `npm run sim:cartel` on tiny farms: what it counts must add up, whatever the coordinator
// of the day decides (the figures themselves are the script's to print, not this test's to pin).

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 30_000 });
});
beforeEach(() => t.reset());
afterAll(() => t.close());

const tiny: CartelScenario = {
  name: 'tiny',
  honest: 5,
  cartel: 0,
  verifier: false,
  jobs: 1,
  job: { width: 32, height: 32, samplesPerPixel: 4, tileSize: 16, samplesPerUnit: 2 },
  maxRounds: 200,
  seed: 1,
};
/** Pixel-samples of the tiny job, and of one of its units. */
const JOB_PIXEL_SAMPLES = 32 * 32 * 4;
const UNIT_PIXEL_SAMPLES = 16 * 16 * 2;

describe('sim:cartel bookkeeping', () => {
  it('counts an honest farm as honest: every unit accepted once, no fake, nothing rejected, nobody paid twice', async () => {
    const report = await runCartelScenario(t, tiny);
    expect(report.jobsDone).toBe(1);
    expect(report.fakeSubmitted).toBe(0);
    expect(report.zeroSubmitted).toBe(0);
    expect(report.honestRejected).toBe(0);
    expect(report.honestQuarantined).toBe(0);
    expect(report.honestAccepted * UNIT_PIXEL_SAMPLES).toBe(JOB_PIXEL_SAMPLES);
    expect(report.acceptedPixelSamples).toBe(JOB_PIXEL_SAMPLES);
    expect(report.honestSubmitted).toBe(report.honestAccepted + report.honestOpen);
    // Checks were rendered, by honest members only, and paid at most for what was rendered.
    expect(report.honestCheckPixelSamples).toBeGreaterThan(0);
    expect(report.honestPaid).toBeGreaterThanOrEqual(JOB_PIXEL_SAMPLES);
    expect(report.honestPaid).toBeLessThanOrEqual(JOB_PIXEL_SAMPLES + report.honestCheckPixelSamples);
    expect(report.cartelPaid).toBe(0);
    expect(report.cartelWork).toBe(0);
  }, 20_000);

  it('counts a half-cartel farm without a verifier consistently', async () => {
    const report = await runCartelScenario(t, {
      ...tiny,
      name: 'half',
      honest: 4,
      cartel: cartelSize(4, 0.5),
      // Half the tiny job, and a cap on rounds: framed honest units come back again and again.
      job: { ...tiny.job, height: 16 },
      maxRounds: 20,
      drainRounds: 3,
      seed: 2,
    });
    expect(report.members.cartel).toBe(4);
    expect(report.fakeSubmitted).toBeGreaterThan(0);
    expect(report.fakeAccepted).toBeLessThanOrEqual(report.fakeSubmitted);
    expect(report.fakePaid).toBeLessThanOrEqual(report.fakeAccepted);
    expect(report.honestAccepted + report.honestRejected + report.honestOpen).toBe(report.honestSubmitted);
    expect(report.cartelCheckCreditOnRejected).toBeLessThanOrEqual(report.cartelPaid);
    expect(report.cartelNet).toBe(report.cartelPaid - report.cartelWork);
    expect(report.verifierCheckPixelSamples).toBe(0);
    // Members that were caught came back: more sessions than members.
    expect(report.sessions).toBeGreaterThanOrEqual(8);
  }, 20_000);
});
