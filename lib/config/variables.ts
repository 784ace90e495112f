import { z } from 'zod';
import { SCENE_LIMITS } from '../protocol/limits';

/**
 * Every environment variable the product reads, declared once: how it parses, what it must be (for the
 * error), an example value, its default, what it does (the README's table says the same), whether it is a
 * secret (never printed, never echoed in an error) and who reads it: the server process (`server`), or
 * `npm start`'s supervisor only (`start`), which passes the server what it needs.
 *
 * To add one: a new entry in the group it belongs to (or a new group, spread into VARIABLES), and a row in
 * the README's configuration table (config.test.ts fails without it). Read it through serverConfig(), never
 * process.env. Variables for the browser (NEXT_PUBLIC_*) cannot come from here: Next.js inlines them at build
 * time only where the code says `process.env.NEXT_PUBLIC_X` literally; declare them in PUBLIC_VARIABLES
 * below and read them in exactly one place with that literal.
 */
export interface Variable<T = unknown> {
  /** Parses the variable's text; unset and empty both reach it as undefined. */
  schema: z.ZodType<T>;
  /** Completes "NAME must be …". */
  must: string;
  /** A value to suggest in the error. */
  example: string;
  /** What the README and the startup summary show as the default ('' when there is none). */
  default: string;
  doc: string;
  secret?: boolean;
  reader: 'server' | 'start';
}

const variable = <T>(v: Variable<T>): Variable<T> => v;

/** A whole number within [min, max], or the default when unset. */
const whole = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const httpUrl = z.url({ protocol: /^https?$/ });
/** Long enough not to be guessed online; the operator picks it (openssl rand -base64 32). */
const token = z.string().min(16).max(512);
const onOff = z.enum(['on', 'off']).default('on');

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Where the data lives and how instances share it. */
const DATABASE = {
  DATABASE_URL: variable({
    schema: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    must: 'a PostgreSQL URL',
    example: 'postgres://user:password@host:5432/lumengrid',
    default: 'embedded database',
    doc: 'PostgreSQL shared by one or more coordinator instances (job events, rate limits and the payments leader go through it)',
    secret: true,
    reader: 'server',
  }),
  LUMENGRID_DATA_DIR: variable({
    schema: z.string().min(1).default('.lumengrid/db'),
    must: 'a folder',
    example: '.lumengrid/db',
    default: '.lumengrid/db',
    doc: 'embedded database folder (one server process per folder)',
    reader: 'server',
  }),
};

/** The work coordinator's knobs. */
const WORK = {
  LUMENGRID_LEASE_TTL_MS: variable({
    schema: whole(1_000, 86_400_000, 120_000),
    must: 'a whole number of milliseconds from 1000 to 86400000',
    example: '120000',
    default: '120000',
    doc: 'how long a contributor may hold a unit',
    reader: 'server',
  }),
  LUMENGRID_SESSION_RATE: variable({
    schema: z.coerce.number().positive().max(1e9).default(10),
    must: 'a positive number of requests per second',
    example: '10',
    default: '10',
    doc: 'leases and submissions per second one contributor session may make (burst: three times that); load benchmarks lift it',
    reader: 'server',
  }),
  LUMENGRID_AUDIT_WINDOW_MS: variable({
    schema: whole(0, 30 * 86_400_000, 10 * 60_000),
    must: 'a whole number of milliseconds from 0 to 2592000000',
    example: '600000',
    default: '600000',
    doc: 'under a trusted verifier: how long accepted credit waits (audits, forfeiture) before it can be settled',
    reader: 'server',
  }),
  LUMENGRID_IMPORT_WORKERS: variable({
    schema: whole(1, 64, SCENE_LIMITS.importWorkers),
    must: 'a whole number from 1 to 64',
    example: String(SCENE_LIMITS.importWorkers),
    default: String(SCENE_LIMITS.importWorkers),
    doc: 'scene uploads imported at once, each in a worker thread of its own',
    reader: 'server',
  }),
};

/** The HTTP edge and the operator's access. */
const OPERATIONS = {
  LUMENGRID_TRUST_PROXY: variable({
    schema: whole(0, 15, 0),
    must: 'a whole number of reverse proxies from 0 to 15',
    example: '1',
    default: '0',
    doc: '`N`: N reverse proxies in front; the origin is the Nth `X-Forwarded-For` entry from the right',
    reader: 'server',
  }),
  LUMENGRID_PEER_HEADER: variable({
    schema: z.literal('1').optional(),
    must: '1',
    example: '1',
    default: '',
    doc: 'set by scripts/serve.mjs (npm start): trust its `x-lumengrid-peer` header as the TCP peer; never set it by hand behind another server',
    reader: 'server',
  }),
  LUMENGRID_LOG_LEVEL: variable({
    schema: z.enum(LOG_LEVELS).optional(),
    must: `one of ${LOG_LEVELS.join(', ')}`,
    example: 'info',
    default: 'info',
    doc: 'pino level of the server’s JSON logs (silent in unit tests unless set)',
    reader: 'server',
  }),
  LUMENGRID_METRICS_TOKEN: variable({
    schema: token.optional(),
    must: 'a token of 16 to 512 characters',
    example: 'the output of `openssl rand -base64 32`',
    default: '',
    doc: 'bearer token that `GET /metrics` asks for (unset: metrics off)',
    secret: true,
    reader: 'server',
  }),
  LUMENGRID_OPERATOR_TOKEN: variable({
    schema: token.optional(),
    must: 'a token of 16 to 512 characters',
    example: 'the output of `openssl rand -base64 32`',
    default: 'npm start: generated',
    doc: 'the token the operator page `/operator` asks for once (then a 12-hour cookie that holds an HMAC, never the token); unset: the page is off. `npm start` keeps one in `LUMENGRID_CHAIN_DIR/operator-token`',
    secret: true,
    reader: 'server',
  }),
  LUMENGRID_VERIFIER_TOKEN: variable({
    schema: token.optional(),
    must: 'a token of 16 to 512 characters',
    example: 'the output of `openssl rand -base64 32`',
    default: 'npm start: generated',
    doc: 'the token that makes a leasing session a trusted verifier (unset: none is). `npm start` keeps one in `LUMENGRID_CHAIN_DIR/verifier-token`; the provider leases with it',
    secret: true,
    reader: 'server',
  }),
};

/** Payments on an EVM chain: all of them, or LUMENGRID_RPC_URL unset and none (refine below). */
const PAYMENTS = {
  LUMENGRID_RPC_URL: variable({
    schema: httpUrl.optional(),
    must: 'an http(s) JSON-RPC URL',
    example: 'https://sepolia.example/rpc',
    default: 'npm start: local chain',
    doc: 'the chain’s JSON-RPC the coordinator uses; unset (and not under npm start): payments off',
    reader: 'server',
  }),
  LUMENGRID_CHAIN_ID: variable({
    schema: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    must: 'the chain id, a positive whole number',
    example: '11155111',
    default: '',
    doc: 'that chain’s id',
    reader: 'server',
  }),
  LUMENGRID_ESCROW_ADDRESS: variable({
    schema: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/)
      .transform((a) => a as `0x${string}`)
      .optional(),
    must: 'the escrow’s address (0x and 40 hex digits)',
    example: 'the address `npm run escrow -- deploy` printed',
    default: '',
    doc: 'the deployed LumengridEscrow',
    reader: 'server',
  }),
  LUMENGRID_COORDINATOR_KEY: variable({
    schema: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/)
      .transform((k) => k as `0x${string}`)
      .optional(),
    must: 'a private key (0x and 64 hex digits)',
    example: 'the key of the escrow’s coordinator role',
    default: '',
    doc: 'key of the escrow’s COORDINATOR_ROLE, which it alone holds',
    secret: true,
    reader: 'server',
  }),
  LUMENGRID_PUBLIC_RPC_URL: variable({
    schema: httpUrl.optional(),
    must: 'an http(s) JSON-RPC URL',
    example: 'https://sepolia.example/rpc',
    default: '`LUMENGRID_RPC_URL`',
    doc: 'JSON-RPC for browsers’ wallets (and the page’s Content-Security-Policy)',
    reader: 'server',
  }),
  LUMENGRID_PRICE_WEI: variable({
    schema: z
      .string()
      .regex(/^[0-9]{1,30}$/)
      .transform(BigInt)
      .refine((w) => w > 0n)
      .default(1_000_000_000n),
    must: 'a positive whole number of wei',
    example: '1000000000',
    default: '1000000000',
    doc: 'price of one verified pixel-sample for new jobs',
    reader: 'server',
  }),
  LUMENGRID_SETTLE_INTERVAL_MS: variable({
    schema: whole(200, 86_400_000, 30_000),
    must: 'a whole number of milliseconds from 200 to 86400000',
    example: '30000',
    default: '30000',
    doc: 'how often settlements are built and posted',
    reader: 'server',
  }),
  LUMENGRID_RELAYER_KEY: variable({
    schema: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/)
      .transform((k) => k as `0x${string}`)
      .optional(),
    must: 'a private key (0x and 64 hex digits), not the coordinator key',
    example: 'a key holding a little ETH for gas',
    default: '',
    doc: 'sends claims for contributors without ETH ("Claim without gas") and pays their gas; relaying is off when unset',
    secret: true,
    reader: 'server',
  }),
  LUMENGRID_RELAY_FEE_BPS: variable({
    schema: whole(1, 5000, 100),
    must: 'a whole number of basis points from 1 to 5000 (100 = 1 %)',
    example: '100',
    default: '100',
    doc: 'the relayer’s share of a relayed claim; claims whose share would not pay the gas are not relayed',
    reader: 'server',
  }),
  LUMENGRID_LOCAL_FAUCET: variable({
    schema: z.literal('1').optional(),
    must: '1',
    example: '1',
    default: '',
    doc: 'set by npm start for its local chain: `POST /api/chain/faucet` gives test ether (chain 31337 only)',
    reader: 'server',
  }),
};

/** Read by `npm start` (scripts/start.mjs) only. */
const START = {
  PORT: variable({
    schema: whole(1, 65_535, 3000),
    must: 'a TCP port from 1 to 65535',
    example: '3000',
    default: '3000',
    doc: 'HTTP port',
    reader: 'start',
  }),
  HOST: variable({
    schema: z.string().min(1).default('127.0.0.1'),
    must: 'an interface address or host name',
    example: '0.0.0.0',
    default: '127.0.0.1',
    doc: 'interface to listen on',
    reader: 'start',
  }),
  LUMENGRID_CHAIN: variable({
    schema: onOff,
    must: 'on or off',
    example: 'off',
    default: 'on',
    doc: '`off`: no local chain (unpaid jobs only)',
    reader: 'start',
  }),
  LUMENGRID_CHAIN_DIR: variable({
    schema: z.string().min(1).default('.lumengrid/chain'),
    must: 'a folder',
    example: '.lumengrid/chain',
    default: '.lumengrid/chain',
    doc: 'local chain state, deployment, operator keys and the verifier and operator tokens',
    reader: 'start',
  }),
  LUMENGRID_ANVIL_PORT: variable({
    schema: whole(1, 65_535, 8545),
    must: 'a TCP port from 1 to 65535',
    example: '8545',
    default: '8545',
    doc: 'local chain’s JSON-RPC port',
    reader: 'start',
  }),
  LUMENGRID_CHALLENGE_WINDOW_S: variable({
    schema: whole(1, 30 * 86_400, 120),
    must: 'a whole number of seconds from 1 to 2592000',
    example: '120',
    default: '120',
    doc: 'local chain: seconds a settlement can be disputed',
    reader: 'start',
  }),
  LUMENGRID_VERIFIER: variable({
    schema: onOff,
    must: 'on or off',
    example: 'off',
    default: 'on',
    doc: '`off`: no trusted verifier',
    reader: 'start',
  }),
};

export const VARIABLES = { ...DATABASE, ...WORK, ...OPERATIONS, ...PAYMENTS, ...START };

export type VariableName = keyof typeof VARIABLES;

/** Payments are all or nothing: these must be set once LUMENGRID_RPC_URL is. */
export const PAYMENTS_REQUIRED = [
  'LUMENGRID_CHAIN_ID',
  'LUMENGRID_ESCROW_ADDRESS',
  'LUMENGRID_COORDINATOR_KEY',
] as const satisfies readonly VariableName[];

/**
 * Browser variables (NEXT_PUBLIC_*), inlined by Next.js at build time (set them for `npm run build` / `npm
 * start`'s build). Declare each here with its doc and read it once, literally (`process.env.NEXT_PUBLIC_X`),
 * in the module that uses it.
 */
export const PUBLIC_VARIABLES: Record<string, { doc: string; default: string }> = {
  /** Read in lib/wallet/walletconnect.ts. */
  NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: {
    doc: 'WalletConnect (Reown) project id: offers WalletConnect for phone wallets beside the browser’s own; off when unset',
    default: '',
  },
};
