import { expect, test } from '@playwright/test';
import { sessionPublicKey, signResult } from '../lib/client/session-key';
import type { JobView, Lease } from '../lib/protocol/api-types';
import { RESULT_CHANNELS } from '../lib/protocol/result-layout';
import { SIGNATURE_HEADER } from '../lib/protocol/session-signature';
import { MAX_LEASE_RESULT_BYTES } from '../lib/work/submit-result';

// The HTTP API against the real server and database: bad input gets a 4xx that says what to do next,
// and nothing already accepted changes.

type ErrorBody = { error: string; message: string; next: string[] };

const SESSION = 'e2e-bad-input-session';
const OTHER_SESSION = 'e2e-someone-else';
const CHECKER_SESSION = 'e2e-bad-input-checker';

function honestLookingResult(lease: Lease, value = 0.5): Float32Array {
  const { width, height } = lease.task.region;
  const pixels = lease.task.pixels?.length ?? width * height;
  const samples = lease.task.sampleEnd - lease.task.sampleStart;
  const data = new Float32Array(pixels * RESULT_CHANNELS);
  for (let p = 0; p < pixels; p++)
    data.set([value, value, value, value * value, samples], p * RESULT_CHANNELS);
  return data;
}

test('malformed job requests are refused with the fields to fix', async ({ request }) => {
  const notJson = await request.post('/api/jobs', {
    data: Buffer.from('{"scene": "cornell",'),
    headers: { 'content-type': 'application/json' },
  });
  expect(notJson.status()).toBe(400);
  expect(((await notJson.json()) as ErrorBody).message).toMatch(/not valid JSON/);

  const invalid = await request.post('/api/jobs', {
    data: { scene: 'Teapot!', width: -1, height: 64, samplesPerPixel: 0 },
  });
  expect(invalid.status()).toBe(400);
  const body = (await invalid.json()) as ErrorBody;
  expect(body.message).toBe('The job request is invalid');
  expect(body.next.join('\n')).toMatch(/scene/);
  expect(body.next.join('\n')).toMatch(/width/);
  expect(body.next.join('\n')).toMatch(/samplesPerPixel/);

  // Well-formed scene references that name no scene: refused once the fields are otherwise valid.
  const valid = { width: 64, height: 64, samplesPerPixel: 4 };
  const teapot = await request.post('/api/jobs', { data: { ...valid, scene: 'teapot' } });
  expect(teapot.status()).toBe(400);
  expect(((await teapot.json()) as ErrorBody).message).toMatch(/no built-in scene called "teapot"/);
  const unknownHash = await request.post('/api/jobs', { data: { ...valid, scene: 'a'.repeat(64) } });
  expect(unknownHash.status()).toBe(404);
  expect(((await unknownHash.json()) as ErrorBody).next.join('\n')).toMatch(/Upload the scene first/);

  const huge = await request.post('/api/jobs', { data: { scene: 'cornell', padding: 'x'.repeat(100_000) } });
  expect(huge.status()).toBe(413);

  const missing = await request.get('/api/jobs/00000000-0000-0000-0000-000000000000');
  expect(missing.status()).toBe(404);
  expect(((await missing.json()) as ErrorBody).next.length).toBeGreaterThan(0);
});

test('bad result submissions are refused and the accepted one is counted once', async ({ request }) => {
  // A job no browser is rendering: tests hold its only unit themselves. Its results are made up, so this
  // test must run before the server's trusted verifier is first seen (it would audit them and convict the
  // session): it is the first file that leases, and pages-accessibility.spec.ts (which waits on pages for
  // 45 s) runs after it.
  const created = await request.post('/api/jobs', {
    data: { scene: 'cornell', width: 16, height: 16, samplesPerPixel: 2, tileSize: 16 },
  });
  expect(created.status()).toBe(201);
  const job = (await created.json()) as JobView;

  expect((await request.post('/api/work/lease', { data: { sessionId: 'no spaces allowed' } })).status()).toBe(
    400,
  );
  const leased = await request.post('/api/work/lease', {
    data: { sessionId: SESSION, publicKey: await sessionPublicKey(SESSION) },
  });
  // Another session with a key of its own (no work left for it): its signature is valid, the lease is not its.
  const other = await request.post('/api/work/lease', {
    data: { sessionId: OTHER_SESSION, publicKey: await sessionPublicKey(OTHER_SESSION) },
  });
  expect(other.status()).toBe(204);
  expect(leased.status()).toBe(200);
  const lease = (await leased.json()) as Lease;
  expect(lease.jobId).toBe(job.id);
  const url = `/api/work/leases/${lease.leaseId}/result`;
  const put = async (data: Float32Array | Buffer, session = SESSION, signer: string | null = session) => {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const signature = signer ? await signResult(signer, lease.leaseId, bytes) : '';
    return request.put(url, {
      data: bytes,
      headers: {
        'content-type': 'application/octet-stream',
        'x-lumengrid-session': session,
        ...(signer ? { [SIGNATURE_HEADER]: signature } : {}),
      },
    });
  };

  const good = honestLookingResult(lease);
  const nan = good.slice();
  nan[3] = Number.NaN;
  const lazy = good.slice();
  lazy[4] = 1;

  const refusals: [string, Awaited<ReturnType<typeof put>>, number, RegExp][] = [
    ['truncated', await put(good.subarray(0, 100)), 422, /bytes/],
    ['NaN', await put(nan), 422, /NaN/],
    ['fewer samples', await put(lazy), 422, /1 samples/],
    ['foreign session', await put(good, OTHER_SESSION), 409, /not held by your session/],
    ['unsigned', await put(good, SESSION, null), 401, /not signed/],
    ['signed by another key', await put(good, SESSION, OTHER_SESSION), 401, /does not match/],
    ['oversized', await put(Buffer.alloc(MAX_LEASE_RESULT_BYTES + 4)), 413, /larger than/],
    [
      'unknown lease',
      await request.put('/api/work/leases/not-a-lease/result', {
        data: Buffer.from(good.buffer),
        headers: {
          'x-lumengrid-session': SESSION,
          [SIGNATURE_HEADER]: await signResult(SESSION, 'not-a-lease', Buffer.from(good.buffer)),
        },
      }),
      409,
      /not held/,
    ],
  ];
  for (const [what, response, status, message] of refusals) {
    expect(response.status(), what).toBe(status);
    const body = (await response.json()) as ErrorBody;
    expect(body.message, what).toMatch(message);
    expect(body.next.length, what).toBeGreaterThan(0);
  }
  expect(((await (await request.get(`/api/jobs/${job.id}`)).json()) as JobView).unitsDone).toBe(0);

  const accepted = await put(good);
  expect(accepted.status()).toBe(200);
  expect(await accepted.json()).toMatchObject({ accepted: true, duplicate: false });
  const replay = await put(good);
  expect(await replay.json()).toMatchObject({ accepted: true, duplicate: true });

  // Accepted for verification only: it counts once another session's spot check agrees.
  const waiting = (await (await request.get(`/api/jobs/${job.id}`)).json()) as JobView;
  expect(waiting).toMatchObject({ unitsDone: 0, status: 'rendering', verification: { unitsVerifying: 1 } });
  // Spot checks go to random active sessions other than the submitter (the checker and the other session);
  // a new submitter is on probation, so there may be more than one. Both answer honestly until it counts.
  let checks = 0;
  for (let round = 0; round < 8; round++) {
    const status = ((await (await request.get(`/api/jobs/${job.id}`)).json()) as JobView).status;
    if (status === 'done') break;
    for (const checker of [CHECKER_SESSION, OTHER_SESSION]) {
      const response = await request.post('/api/work/lease', {
        data: { sessionId: checker, publicKey: await sessionPublicKey(checker) },
      });
      if (response.status() !== 200) continue;
      const checkLease = (await response.json()) as Lease;
      expect(checkLease.task.pixels?.length).toBeGreaterThan(0);
      const checkBody = Buffer.from(honestLookingResult(checkLease).buffer);
      const checked = await request.put(`/api/work/leases/${checkLease.leaseId}/result`, {
        data: checkBody,
        headers: {
          'content-type': 'application/octet-stream',
          'x-lumengrid-session': checker,
          [SIGNATURE_HEADER]: await signResult(checker, checkLease.leaseId, checkBody),
        },
      });
      expect(checked.status()).toBe(200);
      checks++;
    }
  }
  expect(checks).toBeGreaterThan(0);

  const after = (await (await request.get(`/api/jobs/${job.id}`)).json()) as JobView;
  expect(after).toMatchObject({ unitsDone: 1, pixelSamplesDone: 16 * 16 * 2, status: 'done' });
  const raw = await (await request.get(`/api/jobs/${job.id}/accumulation`)).body();
  const sums = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  expect(sums[0]).toBeCloseTo(0.5);
  expect(sums[4]).toBe(2);
});
