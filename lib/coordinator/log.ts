import pino from 'pino';
import { serverConfig } from '../config/server-config';

/**
 * The coordinator's operational log: one JSON object a line on stdout (pino), for a machine to read
 * (`npm start | npx pino-pretty` for a person). LUMENGRID_LOG_LEVEL sets the level (default info; silent in
 * tests unless set). One logger per process, on globalThis: route modules may load more than once.
 */
const globalLog = globalThis as typeof globalThis & { __lumengridLog?: pino.Logger };

function level(): string {
  // VITEST is vitest's own variable, not the product's configuration.
  return serverConfig().LUMENGRID_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
}

globalLog.__lumengridLog ??= pino({ level: level(), base: { pid: process.pid }, name: 'lumengrid' });

export const log: pino.Logger = globalLog.__lumengridLog;

/** Set by scripts/serve.mjs on every request (a well-formed one the client sent, else a fresh one). */
export const REQUEST_ID_HEADER = 'x-request-id';
