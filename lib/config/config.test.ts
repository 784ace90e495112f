import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, parseConfig } from './server-config';
import { PUBLIC_VARIABLES, VARIABLES } from './variables';

const KEY = `0x${'ab'.repeat(32)}`;
const CHAIN = {
  LUMENGRID_RPC_URL: 'http://127.0.0.1:8545',
  LUMENGRID_CHAIN_ID: '31337',
  LUMENGRID_ESCROW_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  LUMENGRID_COORDINATOR_KEY: KEY,
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('the configuration was accepted');
};

describe('the configuration', () => {
  it('has a typed default for every variable left unset or empty', () => {
    const config = parseConfig({ LUMENGRID_LEASE_TTL_MS: '' });
    expect(config.LUMENGRID_LEASE_TTL_MS).toBe(120_000);
    expect(config.LUMENGRID_SETTLE_INTERVAL_MS).toBe(30_000);
    expect(config.LUMENGRID_PRICE_WEI).toBe(1_000_000_000n);
    expect(config.LUMENGRID_TRUST_PROXY).toBe(0);
    expect(config.LUMENGRID_RPC_URL).toBeUndefined();
    expect(parseConfig({ LUMENGRID_LEASE_TTL_MS: '60000' }).LUMENGRID_LEASE_TTL_MS).toBe(60_000);
  });

  it('refuses a bad value with what to set instead, where it used to fall back silently', () => {
    expect(problemsOf({ LUMENGRID_LEASE_TTL_MS: 'two minutes' })).toEqual([
      'LUMENGRID_LEASE_TTL_MS must be a whole number of milliseconds from 1000 to 86400000 (it is "two minutes"); set it to 120000 or unset it for the default (120000)',
    ]);
    expect(problemsOf({ LUMENGRID_SETTLE_INTERVAL_MS: '50' })[0]).toMatch(
      /^LUMENGRID_SETTLE_INTERVAL_MS must be a whole number of milliseconds from 200/,
    );
    expect(problemsOf({ LUMENGRID_TRUST_PROXY: '-1' })[0]).toMatch(/^LUMENGRID_TRUST_PROXY must be/);
    expect(problemsOf({ LUMENGRID_LOG_LEVEL: 'loud' })[0]).toMatch(/must be one of fatal, error/);
    // Every bad variable at once, not one per restart.
    expect(problemsOf({ PORT: '99999', LUMENGRID_CHAIN: 'maybe' })).toHaveLength(2);
  });

  it('refuses a half-configured chain, naming what is missing', () => {
    expect(parseConfig(CHAIN).LUMENGRID_CHAIN_ID).toBe(31337);
    const { LUMENGRID_ESCROW_ADDRESS: _, ...withoutEscrow } = CHAIN;
    expect(problemsOf(withoutEscrow)).toEqual([
      expect.stringMatching(
        /^LUMENGRID_ESCROW_ADDRESS must be set when LUMENGRID_RPC_URL is .*or unset LUMENGRID_RPC_URL/,
      ),
    ]);
  });

  it('never repeats a secret, not in an error and not in the startup summary', () => {
    const secret = 'correct-horse-battery-staple-0123';
    const problems = problemsOf({ ...CHAIN, LUMENGRID_COORDINATOR_KEY: secret });
    expect(problems[0]).toMatch(/^LUMENGRID_COORDINATOR_KEY must be a private key/);
    expect(problems.join('\n')).not.toContain(secret);
    const summary = describeConfig({
      ...CHAIN,
      DATABASE_URL: 'postgres://farm:hunter2-password@db.internal:5432/lumengrid',
      LUMENGRID_METRICS_TOKEN: secret,
      LUMENGRID_OPERATOR_TOKEN: `${secret}-operator`,
    }).join('\n');
    for (const leaked of [secret, KEY.slice(2), 'hunter2-password']) expect(summary).not.toContain(leaked);
    expect(summary).toContain('LUMENGRID_METRICS_TOKEN=set (secret)');
    expect(summary).toContain('DATABASE_URL=postgres://farm:***@db.internal:5432/lumengrid');
    expect(summary).toContain('LUMENGRID_LEASE_TTL_MS=120000 (default)');
    expect(summary).toContain('LUMENGRID_RPC_URL=http://127.0.0.1:8545');
  });

  it('is documented: every variable has a row in the README', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const rows = new Set([...readme.matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]));
    const names = [...Object.keys(VARIABLES), ...Object.keys(PUBLIC_VARIABLES)];
    expect(names.filter((n) => !rows.has(n))).toEqual([]);
  });
});
