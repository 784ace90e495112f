import { z } from 'zod';

/** A contributor session's id: chosen by the tab (lib/contributor/session.ts), bound to its key on first lease. */
export const SessionIdSchema = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'sessionId may hold letters, digits, - and _ only');

/** A session's public key (ECDSA P-256 JWK, only what verification needs). */
export const SessionPublicKeySchema = z
  .object({
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    y: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .strip();

/** POST /api/work/lease. */
const adapterField = z.string().max(64).optional();

export const LeaseRequestSchema = z.object({
  sessionId: SessionIdSchema,
  /** The session's public key (ECDSA P-256 JWK): pinned on first sight, results must be signed with it. */
  publicKey: SessionPublicKeySchema.optional(),
  /** The contributor's GPU, as WebGPU's adapter info reports it: groups contributors for check tolerances. */
  adapter: z.object({ vendor: adapterField, architecture: adapterField }).optional(),
});
