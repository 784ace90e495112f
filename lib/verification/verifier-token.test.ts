import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionPublicKey } from '../client/session-key';
import { UnauthenticatedError } from '../protocol/errors';
import { createTestContext } from '../testing/test-context';
import { admitTrustedVerifier, verifierTokenMatches } from './verifier-token';

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
beforeEach(() => t.reset());
afterAll(() => t.close());

const TOKEN = 'b3cW9rQy1yq0uZC3yUu2m5n0cQh8m3eH4Hq1o2tq4xk';

async function leaseBody(sessionId: string) {
  return { sessionId, publicKey: await sessionPublicKey(sessionId) };
}

async function trusted(sessionId: string): Promise<boolean | null> {
  const [row] = await t.ctx.db.query<{ trusted: boolean }>(
    'SELECT trusted FROM contributors WHERE session_id = $1',
    [sessionId],
  );
  return row ? row.trusted : null;
}

describe('the trusted verifier token', () => {
  it('marks the leasing session trusted when the token is right', async () => {
    const body = await leaseBody('verifier-right');
    await expect(admitTrustedVerifier(t.ctx, TOKEN, body, TOKEN)).resolves.toBe(true);
    expect(await trusted('verifier-right')).toBe(true);
  });

  it('refuses a wrong token with a 401 and marks nothing', async () => {
    const body = await leaseBody('verifier-wrong');
    const refusal = admitTrustedVerifier(t.ctx, `${TOKEN.slice(0, -1)}x`, body, TOKEN);
    await expect(refusal).rejects.toThrow(UnauthenticatedError);
    await expect(refusal).rejects.toMatchObject({
      status: 401,
      shortMessage: 'The trusted verifier token is wrong',
    });
    // A token of another length is just as wrong (and does not throw in timingSafeEqual).
    await expect(admitTrustedVerifier(t.ctx, 'short', body, TOKEN)).rejects.toMatchObject({ status: 401 });
    expect(await trusted('verifier-wrong')).toBeNull();
  });

  it('refuses any token when the server has none configured', async () => {
    const body = await leaseBody('verifier-none');
    for (const configured of [undefined, '']) {
      await expect(admitTrustedVerifier(t.ctx, TOKEN, body, configured)).rejects.toMatchObject({
        status: 401,
        shortMessage: 'This coordinator has no trusted verifier token configured',
      });
      await expect(admitTrustedVerifier(t.ctx, '', body, configured)).rejects.toMatchObject({ status: 401 });
    }
    expect(await trusted('verifier-none')).toBeNull();
  });

  it('leaves a lease without the header untouched', async () => {
    const body = await leaseBody('ordinary-tab');
    await expect(admitTrustedVerifier(t.ctx, null, body, TOKEN)).resolves.toBe(false);
    expect(await trusted('ordinary-tab')).toBeNull();
  });

  it('never makes a session trusted whose id another key already holds', async () => {
    // Someone else leased under this id first and pinned their key: the token bearer cannot make it trusted.
    const theirs = await leaseBody('taken-id');
    const mine = { sessionId: 'taken-id', publicKey: await sessionPublicKey('another-key') };
    await t.ctx.db.query(
      `INSERT INTO contributors (session_id, first_seen_at, last_seen_at, public_key) VALUES ($1, 0, 0, $2::jsonb)`,
      ['taken-id', JSON.stringify(theirs.publicKey)],
    );
    await expect(admitTrustedVerifier(t.ctx, TOKEN, mine, TOKEN)).rejects.toMatchObject({ status: 401 });
    expect(await trusted('taken-id')).toBe(false);
    // And a token without a public key is refused: the trusted session must be pinned to its bearer.
    await expect(
      admitTrustedVerifier(t.ctx, TOKEN, { sessionId: 'keyless-id' }, TOKEN),
    ).rejects.toMatchObject({
      status: 400,
    });
    expect(await trusted('keyless-id')).toBeNull();
  });

  it('compares tokens exactly', () => {
    expect(verifierTokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(verifierTokenMatches(TOKEN.toUpperCase(), TOKEN)).toBe(false);
    expect(verifierTokenMatches(TOKEN, undefined)).toBe(false);
    expect(verifierTokenMatches('', '')).toBe(false);
  });
});
