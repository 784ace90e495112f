import { z } from 'zod';
import { PAYMENTS_REQUIRED, VARIABLES, type VariableName } from './variables';

/** The parsed configuration: each variable by its own name, typed, defaults applied. */
export type ServerConfig = {
  [K in VariableName]: z.output<(typeof VARIABLES)[K]['schema']>;
};

/** Raised for a bad environment: one line per variable, each saying what to set it to. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Lumengrid's configuration is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const schema = z.object(
  Object.fromEntries(
    Object.entries(VARIABLES).map(([name, v]) => [
      name,
      // An empty variable is an unset one (`FOO= npm start`, or a blank line in a unit file).
      z.preprocess((raw) => (raw === '' ? undefined : raw), v.schema as z.ZodType),
    ]),
  ) as unknown as { [K in VariableName]: z.ZodType<ServerConfig[K]> },
);

function problemOf(name: VariableName, raw: string | undefined): string {
  const v = VARIABLES[name];
  // A secret's value is never repeated, not even a wrong one (it may be a real key in the wrong variable).
  const given = raw === undefined || v.secret ? '' : ` (it is ${JSON.stringify(raw.slice(0, 80))})`;
  const fallback = v.default ? ` for the default (${v.default})` : '';
  return `${name} must be ${v.must}${given}; set it to ${v.example} or unset it${fallback}`;
}

/** Parses an environment: the configuration, or a ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): ServerConfig {
  const parsed = schema.safeParse(env);
  const problems = new Set<string>();
  for (const issue of parsed.error?.issues ?? []) {
    const name = issue.path[0] as VariableName;
    problems.add(problemOf(name, env[name]));
  }
  if (env.LUMENGRID_RPC_URL) {
    for (const name of PAYMENTS_REQUIRED) {
      if (!env[name]) {
        problems.add(
          `${name} must be set when LUMENGRID_RPC_URL is (payments are all or nothing): set it to ${VARIABLES[name].example}, or unset LUMENGRID_RPC_URL to run without payments`,
        );
      }
    }
  }
  if (problems.size > 0 || !parsed.success) throw new ConfigError([...problems]);
  const config = parsed.data as ServerConfig;
  return config;
}

const globalConfig = globalThis as typeof globalThis & { __lumengridConfig?: ServerConfig };

/**
 * This process's configuration, read from process.env once (and cached on globalThis: route modules may
 * load more than once). A bad value throws ConfigError the first time, so a server fails at start, not
 * later on the request that happens to need it.
 */
export function serverConfig(): ServerConfig {
  globalConfig.__lumengridConfig ??= parseConfig(process.env);
  return globalConfig.__lumengridConfig;
}

/**
 * The configuration as lines to print at start: every variable with its value, or its default; secrets only
 * as set or unset (a PostgreSQL URL without its password).
 */
export function describeConfig(
  env: Record<string, string | undefined>,
  reader?: 'server' | 'start',
): string[] {
  const config = parseConfig(env);
  return Object.entries(VARIABLES)
    .filter(([, v]) => !reader || v.reader === reader)
    .map(([name, v]) => {
      const raw = env[name] || undefined;
      let shown: string;
      if (raw === undefined) shown = v.default ? `${v.default} (default)` : 'unset';
      else if (name === 'DATABASE_URL') shown = withoutPassword(raw);
      else if (v.secret) shown = 'set (secret)';
      else shown = String(config[name as VariableName]);
      return `${name}=${shown}`;
    });
}

function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return `${u.protocol}//${u.username ? `${u.username}${u.password ? `:${u.password}` : ''}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'set (secret)';
  }
}
