import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionPublicKey, signResult } from '../client/session-key';
import { createTestContext } from '../testing/test-context';
import { createJob } from './jobs';
import { leaseUnit } from './lease-unit';
import { verifyResultSignature } from './session-keys';

let t: Awaited<ReturnType<typeof createTestContext>>;
beforeAll(async () => {
  t = await createTestContext();
});
beforeEach(() => t.reset());
afterAll(() => t.close());

const JOB = { scene: 'cornell', width: 16, height: 16, samplesPerPixel: 2, tileSize: 16 };

async function leased(sessionId: string) {
  await createJob(t.ctx, JOB);
  const lease = await leaseUnit(t.ctx, { sessionId, publicKey: await sessionPublicKey(sessionId) });
  if (!lease) throw new Error('no lease');
  return lease;
}

describe('signed submissions', () => {
  it('accepts a result signed by the session that leased it', async () => {
    const lease = await leased('signer-session-1');
    const body = new Uint8Array([1, 2, 3, 4]);
    const signature = await signResult('signer-session-1', lease.leaseId, body);
    await expect(
      verifyResultSignature(t.ctx.db, {
        sessionId: 'signer-session-1',
        leaseId: lease.leaseId,
        body,
        signature,
      }),
    ).resolves.toBeUndefined();
  });

  it('refuses an unsigned result, a changed body, a signature for another lease and another key', async () => {
    const lease = await leased('signer-session-2');
    const body = new Uint8Array([1, 2, 3, 4]);
    const signature = await signResult('signer-session-2', lease.leaseId, body);
    const check = (over: Partial<Parameters<typeof verifyResultSignature>[1]>) =>
      verifyResultSignature(t.ctx.db, {
        sessionId: 'signer-session-2',
        leaseId: lease.leaseId,
        body,
        signature,
        ...over,
      });
    await expect(check({ signature: null })).rejects.toThrow(/not signed/);
    await expect(check({ body: new Uint8Array([1, 2, 3, 5]) })).rejects.toThrow(/does not match/);
    await expect(check({ leaseId: 'another-lease-id-000000' })).rejects.toThrow(/does not match/);
    // Someone else's key, signing this very lease and body: still not this session's key.
    const forged = await signResult('impostor-session-1', lease.leaseId, body);
    await expect(check({ signature: forged })).rejects.toThrow(/does not match/);
    // A session that never sent a key cannot submit at all.
    await expect(check({ sessionId: 'keyless-session-1' })).rejects.toThrow(/no key/);
  });

  it('pins the first key: leasing under the same session with another key is refused', async () => {
    await leased('signer-session-3');
    const other = await sessionPublicKey('signer-session-4');
    await expect(leaseUnit(t.ctx, { sessionId: 'signer-session-3', publicKey: other })).rejects.toThrow(
      /belongs to another key/,
    );
  });
});
