import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Address, verifyMessage } from 'viem';
import type { CoordinatorContext } from '../coordinator/context';
import type { SqlExecutor } from '../coordinator/db/sql';
import { type OwnerCredential, ownerCookie, type WalletProof } from '../coordinator/owner-credential';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../protocol/errors';
import { jobControlMessage, OWNER_SIGNATURE_MAX_SECONDS, OwnerTokenSchema } from '../protocol/job-control';

/**
 * Who owns a job. POST /api/jobs answers with an owner token: 32 random bytes (base64url), shown once; the
 * coordinator stores only its SHA-256 (`jobs.owner_hash`), so a leaked database controls no job. A request
 * that already carries an owner token files its new job under the same owner, so one browser (or script)
 * has one token for all its jobs: 'My jobs' is one query, and priority orders jobs of one owner.
 * Presented tokens are hashed and compared with the job's hash in constant time. No token: 401; a token
 * that is not this job's owner's: 403.
 */

export function mintOwnerToken(): string {
  return randomBytes(32).toString('base64url');
}

export function ownerHashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

const wrongToken = (jobId: string) =>
  new ForbiddenError(`This owner token does not control job ${jobId}`, {
    metaMessages: [
      'Use the ownerToken that POST /api/jobs answered with when the job was created (the dashboard keeps it in this browser).',
    ],
  });

/**
 * The owner a new job is filed under: the caller's existing owner (its token must be one this coordinator
 * handed out and some job still holds), or a fresh token.
 */
export async function ownerOfNewJob(
  ctx: CoordinatorContext,
  presented: string | null,
): Promise<{ token: string; hash: string }> {
  if (presented === null) {
    const token = mintOwnerToken();
    return { token, hash: ownerHashOf(token) };
  }
  const hash = OwnerTokenSchema.safeParse(presented).success ? ownerHashOf(presented) : null;
  const known = hash ? await ctx.db.query('SELECT 1 FROM jobs WHERE owner_hash = $1 LIMIT 1', [hash]) : [];
  if (!hash || known.length === 0) {
    throw new ForbiddenError('This owner token is not one this coordinator handed out', {
      metaMessages: [
        'Send no authorization header to get a new owner token, or use the ownerToken an earlier POST /api/jobs answered with.',
      ],
    });
  }
  return { token: presented, hash };
}

interface JobOwnerRow {
  id: string;
  owner_hash: string | null;
  private: boolean;
  status: string;
}

async function jobOwnerRow(db: SqlExecutor, jobId: string, lock: boolean): Promise<JobOwnerRow> {
  const [row] = await db.query<JobOwnerRow>(
    `SELECT id, owner_hash, private, status FROM jobs WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [jobId],
  );
  if (!row) {
    throw new NotFoundError(`No job with id ${jobId}`, {
      metaMessages: ['Check the link, or list jobs at /jobs.'],
    });
  }
  return row;
}

function proveOwner(row: JobOwnerRow, credential: OwnerCredential | null, action: string): void {
  if (credential === null) {
    throw new UnauthenticatedError(`To ${action} job ${row.id}, send its owner token`, {
      metaMessages: [
        'Send the header `authorization: Bearer <ownerToken>` (POST /api/jobs answered with it).',
      ],
    });
  }
  // A job stored before owners existed has none: nobody controls it.
  const presented = OwnerTokenSchema.safeParse(credential.token).success
    ? ownerHashOf(credential.token)
    : null;
  if (!presented || !row.owner_hash || !sameHash(presented, row.owner_hash)) throw wrongToken(row.id);
}

/** The job, locked for the caller's transaction, once the credential proves its owner; or 404/401/403. */
export async function requireJobOwner(
  tx: SqlExecutor,
  jobId: string,
  credential: OwnerCredential | null,
  action: string,
  wallet: { proof: WalletProof; action: string; now: number } | null = null,
): Promise<JobOwnerRow> {
  const row = await jobOwnerRow(tx, jobId, true);
  if (credential === null && wallet !== null) await proveWallet(tx, row, wallet);
  else proveOwner(row, credential, action);
  return row;
}

/**
 * A paid job's depositing wallet proves it is the job's requestor by signing the control, bound to the job,
 * the action and a short expiry (lib/protocol/job-control.ts). The address is the one recorded when the job
 * was created, the only one whose deposit counts.
 */
async function proveWallet(
  tx: SqlExecutor,
  row: JobOwnerRow,
  wallet: { proof: WalletProof; action: string; now: number },
): Promise<void> {
  const nowSeconds = Math.floor(wallet.now / 1000);
  const { expiresAt, signature } = wallet.proof;
  if (expiresAt <= nowSeconds || expiresAt > nowSeconds + OWNER_SIGNATURE_MAX_SECONDS) {
    throw new ForbiddenError('This signed control has expired, or is valid for too long', {
      metaMessages: [
        `Sign again with an expiry (unix seconds) within ${OWNER_SIGNATURE_MAX_SECONDS} s from now.`,
      ],
    });
  }
  const [payment] = await tx.query<{ requestor: Address | null }>(
    'SELECT requestor FROM job_payments WHERE job_id = $1',
    [row.id],
  );
  const message = jobControlMessage(row.id, wallet.action, expiresAt);
  const valid =
    payment?.requestor != null &&
    (await verifyMessage({ address: payment.requestor, message, signature }).catch(() => false));
  if (!valid) {
    throw new ForbiddenError(`This signature is not from job ${row.id}'s requestor`, {
      metaMessages: [
        'Sign the control message with the wallet that deposited for the job, or send the owner token.',
      ],
    });
  }
}

/**
 * Reading a job (its view, images, events, progress): anyone for a listed job; the owner only for a private
 * one (the Bearer header, or the owner cookie for <img> and EventSource).
 */
export async function requireJobReader(
  ctx: CoordinatorContext,
  jobId: string,
  credential: OwnerCredential | null,
): Promise<JobReader> {
  const row = await jobOwnerRow(ctx.db, jobId, false);
  if (row.private) proveOwner(row, credential, 'read private');
  const presented = ownerHashOfCredential(credential);
  const isOwner = presented !== null && row.owner_hash !== null && sameHash(presented, row.owner_hash);
  return {
    private: row.private,
    byHeader: row.private && credential?.from === 'header',
    credential,
    isOwner,
  };
}

export interface JobReader {
  private: boolean;
  /** The owner proved itself by the Bearer header (the response may renew the cookie). */
  byHeader: boolean;
  credential: OwnerCredential | null;
  /** The credential is the job owner's (the dashboard then shows the owner's controls). */
  isOwner: boolean;
}

/**
 * A private job's answer: kept out of shared caches, and, when the owner proved itself by header, with the
 * owner cookie renewed so that this browser's <img> and EventSource can read the job too.
 */
export function asReaderResponse(response: Response, reader: JobReader, secure: boolean): Response {
  if (!reader.private) return response;
  response.headers.set('cache-control', 'private, no-cache');
  if (reader.byHeader && reader.credential) {
    response.headers.append('set-cookie', ownerCookie(reader.credential.token, secure));
  }
  return response;
}

/** The owner hash a credential stands for, when it is well formed (for listing the owner's jobs). */
export function ownerHashOfCredential(credential: OwnerCredential | null): string | null {
  if (!credential || !OwnerTokenSchema.safeParse(credential.token).success) return null;
  return ownerHashOf(credential.token);
}
