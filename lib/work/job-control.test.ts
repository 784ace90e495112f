import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readCredential } from '../coordinator/owner-credential';
import type { Lease } from '../protocol/api-types';
import type { RenderTask } from '../protocol/render-task';
import { concatResults, leaseTasks, RESULT_CHANNELS } from '../protocol/result-layout';
import { createTestContext } from '../testing/test-context';
import { controlJob, setJobPriority } from './job-control';
import { ownerHashOf, requireJobReader } from './job-owner';
import { jobProgressHistory } from './job-progress-history';
import { createJob, getJob, listJobs, listOwnerJobs } from './jobs';
import { leaseUnit } from './lease-unit';
import { submitResult } from './submit-result';

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;

beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 10_000 });
});
beforeEach(() => t.reset());
afterAll(() => t.close());

const smallJob = {
  scene: 'cornell',
  width: 32,
  height: 16,
  samplesPerPixel: 4,
  tileSize: 16,
  samplesPerUnit: 2,
};
const header = (token: string) => ({ token, from: 'header' as const });

function fakeResult(lease: Lease): Uint8Array {
  const parts = leaseTasks(lease).map((task: RenderTask) => {
    const { region, sampleStart, sampleEnd, pixels, width } = task;
    const samples = sampleEnd - sampleStart;
    const indices =
      pixels ??
      Array.from(
        { length: region.width * region.height },
        (_, p) => (region.y + Math.floor(p / region.width)) * width + region.x + (p % region.width),
      );
    const values = new Float32Array(indices.length * RESULT_CHANNELS);
    indices.forEach((index, p) => {
      const v = (index % 5) * 0.25 * samples;
      values.set([v, v / 2, v / 4, v * v, samples], p * RESULT_CHANNELS);
    });
    return values;
  });
  return new Uint8Array(concatResults(parts).buffer);
}

/**
 * Sessions lease and honestly submit until nothing is handed out for a while (a drawn checker holds its
 * check for seconds, so an idle round moves the clock on); returns the job ids leased, in order.
 */
async function drain(sessions: string[]): Promise<string[]> {
  const leased: string[] = [];
  for (let idleRounds = 0; idleRounds < 4; ) {
    let idle = true;
    for (const sessionId of sessions) {
      const lease = await leaseUnit(t.ctx, { sessionId });
      if (!lease) continue;
      idle = false;
      leased.push(lease.jobId);
      await submitResult(t.ctx, { leaseId: lease.leaseId, sessionId, body: fakeResult(lease) });
      t.clock.now += 1000;
    }
    idleRounds = idle ? idleRounds + 1 : 0;
    if (idle) t.clock.now += 6000;
  }
  return leased;
}

describe('job ownership', () => {
  it('answers a new job with an owner token once and keeps only its hash', async () => {
    const job = await createJob(t.ctx, smallJob);
    expect(job.ownerToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await t.ctx.db.query<{ owner_hash: string }>('SELECT owner_hash FROM jobs WHERE id = $1', [
      job.id,
    ]);
    expect(row?.owner_hash).toBe(ownerHashOf(job.ownerToken));
    expect(JSON.stringify(await t.ctx.db.query('SELECT * FROM jobs'))).not.toContain(job.ownerToken);
    expect(await getJob(t.ctx, job.id)).not.toHaveProperty('ownerToken');
  });

  it('files a job sent with an owner token under that owner, and refuses a token it never handed out', async () => {
    const first = await createJob(t.ctx, smallJob);
    const second = await createJob(t.ctx, smallJob, { ownerToken: first.ownerToken });
    expect(second.ownerToken).toBe(first.ownerToken);
    const stranger = await createJob(t.ctx, smallJob);
    expect(stranger.ownerToken).not.toBe(first.ownerToken);
    const mine = await listOwnerJobs(t.ctx, ownerHashOf(first.ownerToken));
    expect(mine.map((j) => j.id).sort()).toEqual([first.id, second.id].sort());
    await expect(createJob(t.ctx, smallJob, { ownerToken: 'A'.repeat(43) })).rejects.toMatchObject({
      status: 403,
    });
  });
});

describe('cancel', () => {
  it('needs the owner token: 401 without, 403 with another owner’s; then the job leases nothing', async () => {
    const job = await createJob(t.ctx, smallJob);
    const other = await createJob(t.ctx, smallJob);
    await expect(controlJob(t.ctx, job.id, 'cancel', null)).rejects.toMatchObject({ status: 401 });
    await expect(controlJob(t.ctx, job.id, 'cancel', header(other.ownerToken))).rejects.toMatchObject({
      status: 403,
    });
    await expect(controlJob(t.ctx, job.id, 'cancel', header('not a token'))).rejects.toMatchObject({
      status: 403,
    });
    expect((await getJob(t.ctx, job.id)).status).toBe('rendering');
    await controlJob(t.ctx, other.id, 'cancel', header(other.ownerToken));

    const cancelled = await controlJob(t.ctx, job.id, 'cancel', header(job.ownerToken));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.completedAt).toBe(t.clock.now);
    expect(await leaseUnit(t.ctx, { sessionId: 'session-after-cancel' })).toBeNull();
    // Cancelling again answers the job as it is; a cancelled job never resumes.
    expect((await controlJob(t.ctx, job.id, 'cancel', header(job.ownerToken))).status).toBe('cancelled');
    await expect(controlJob(t.ctx, job.id, 'resume', header(job.ownerToken))).rejects.toMatchObject({
      status: 409,
    });
  });

  it('still takes, verifies and credits the work leased before the cancel, and re-issues nothing', async () => {
    const job = await createJob(t.ctx, smallJob);
    const inFlight = await leaseUnit(t.ctx, { sessionId: 'session-renderer' });
    if (!inFlight) throw new Error('expected work');
    await controlJob(t.ctx, job.id, 'cancel', header(job.ownerToken));
    await submitResult(t.ctx, {
      leaseId: inFlight.leaseId,
      sessionId: 'session-renderer',
      body: fakeResult(inFlight),
    });
    // Other sessions take only the spot checks of that unit, never another unit of the job.
    await drain(['session-checker-1', 'session-checker-2', 'session-checker-3', 'session-checker-4']);
    const after = await getJob(t.ctx, job.id);
    expect(after.status).toBe('cancelled');
    expect(after.unitsDone).toBe(1);
    const [credit] = await t.ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM credits WHERE job_id = $1 AND session_id = 'session-renderer' AND kind = 'unit'`,
      [job.id],
    );
    expect(Number(credit?.n)).toBe(1);
    const [open] = await t.ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM units WHERE job_id = $1 AND state = 'leased' AND lease_expires_at > $2`,
      [job.id, t.clock.now],
    );
    expect(Number(open?.n)).toBe(0);
  });
});

describe('pause and resume', () => {
  it('a paused job leases nothing and keeps its image; resumed, it finishes', async () => {
    const job = await createJob(t.ctx, smallJob);
    const first = await leaseUnit(t.ctx, { sessionId: 'session-a' });
    if (!first) throw new Error('expected work');
    await expect(controlJob(t.ctx, job.id, 'pause', null)).rejects.toMatchObject({ status: 401 });
    const paused = await controlJob(t.ctx, job.id, 'pause', header(job.ownerToken));
    expect(paused.status).toBe('paused');
    expect(await leaseUnit(t.ctx, { sessionId: 'session-b' })).toBeNull();
    await submitResult(t.ctx, { leaseId: first.leaseId, sessionId: 'session-a', body: fakeResult(first) });
    await drain(['session-c', 'session-d', 'session-e']);
    const stillPaused = await getJob(t.ctx, job.id);
    expect(stillPaused.status).toBe('paused');
    expect(stillPaused.pixelSamplesDone).toBeGreaterThan(0);
    expect(stillPaused.pixelSamplesDone).toBeLessThan(stillPaused.pixelSamplesTotal);

    expect((await controlJob(t.ctx, job.id, 'resume', header(job.ownerToken))).status).toBe('rendering');
    await drain(['session-a', 'session-b', 'session-c', 'session-d']);
    expect((await getJob(t.ctx, job.id)).status).toBe('done');
  });
});

describe('private jobs', () => {
  it('are not listed, and reading one (job, image, events) needs the owner token, by header or cookie', async () => {
    const secret = await createJob(t.ctx, { ...smallJob, private: true });
    const open = await createJob(t.ctx, smallJob);
    expect((await listJobs(t.ctx)).map((j) => j.id)).toEqual([open.id]);
    expect((await listOwnerJobs(t.ctx, ownerHashOf(secret.ownerToken))).map((j) => j.id)).toEqual([
      secret.id,
    ]);

    const read = (headers: Record<string, string>) =>
      requireJobReader(t.ctx, secret.id, readCredential(new Request('http://x/', { headers })));
    await expect(read({})).rejects.toMatchObject({ status: 401 });
    await expect(read({ authorization: `Bearer ${open.ownerToken}` })).rejects.toMatchObject({ status: 403 });
    await expect(read({ cookie: `lumengrid-owner=${open.ownerToken}` })).rejects.toMatchObject({
      status: 403,
    });
    await expect(read({ authorization: `Bearer ${secret.ownerToken}` })).resolves.toMatchObject({
      private: true,
      byHeader: true,
    });
    await expect(read({ cookie: `theme=dark; lumengrid-owner=${secret.ownerToken}` })).resolves.toMatchObject(
      {
        private: true,
        byHeader: false,
      },
    );
    // A listed job stays readable by anyone.
    await expect(requireJobReader(t.ctx, open.id, null)).resolves.toMatchObject({ private: false });
    // Contributors still render it: leasing hands out its units.
    const lease = await leaseUnit(t.ctx, { sessionId: 'session-contributor' });
    expect([secret.id, open.id]).toContain(lease?.jobId);
  });
});

describe('priority', () => {
  it('reorders an owner’s own jobs among the places they hold, never ahead of another owner’s job', async () => {
    const tiny = { ...smallJob, width: 16, height: 16, samplesPerPixel: 2 };
    const older = await createJob(t.ctx, tiny);
    t.clock.now += 1000;
    const theirs = await createJob(t.ctx, tiny);
    t.clock.now += 1000;
    const newer = await createJob(t.ctx, tiny, { ownerToken: older.ownerToken });
    await expect(setJobPriority(t.ctx, newer.id, { priority: 5 }, null)).rejects.toMatchObject({
      status: 401,
    });
    await expect(
      setJobPriority(t.ctx, newer.id, { priority: 5 }, header(theirs.ownerToken)),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      setJobPriority(t.ctx, newer.id, { priority: 99 }, header(older.ownerToken)),
    ).rejects.toMatchObject({ status: 400 });
    expect((await setJobPriority(t.ctx, newer.id, { priority: 5 }, header(older.ownerToken))).priority).toBe(
      5,
    );

    const order = await drain(['session-only']);
    const firstSeen = [...new Set(order)];
    // The owner's raised job takes its oldest place; the other owner's job keeps its own.
    expect(firstSeen).toEqual([newer.id, theirs.id, older.id]);
  });
});

describe('progress history', () => {
  it('records samples a few seconds apart at least, kept on the coordinator for a reload', async () => {
    const job = await createJob(t.ctx, { ...smallJob, width: 64, height: 32, samplesPerPixel: 8 });
    await drain(['session-a', 'session-b', 'session-c']);
    const done = await getJob(t.ctx, job.id);
    expect(done.status).toBe('done');
    const { samples } = await jobProgressHistory(t.ctx, job.id);
    expect(samples[0]).toEqual({ at: job.createdAt, pixelSamplesDone: 0 });
    expect(samples.at(-1)?.pixelSamplesDone).toBe(done.pixelSamplesDone);
    // Throttled while rendering: samples are at least 5 s apart, except the job's last one.
    const gaps = samples.slice(1, -1).map((s, i) => s.at - (samples[i]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(5000);
    expect(samples.length).toBeGreaterThan(2);
    const [count] = await t.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM units WHERE job_id = $1', [
      job.id,
    ]);
    expect(samples.length).toBeLessThan(Number(count?.n));
  });
});
