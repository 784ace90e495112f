#!/usr/bin/env node
// `npm start`: runs the whole product on this machine with embedded defaults and prints one URL.
//
// Configuration: lib/config/variables.ts (and the README's table), checked here before anything starts, so a
// bad value costs no build. The ones read here: PORT, HOST, LUMENGRID_DATA_DIR, LUMENGRID_CHAIN (off: no
// payments), LUMENGRID_CHAIN_DIR, LUMENGRID_ANVIL_PORT, LUMENGRID_CHALLENGE_WINDOW_S, LUMENGRID_RPC_URL (another
// chain instead of the local one), LUMENGRID_VERIFIER (off: no trusted verifier) and LUMENGRID_VERIFIER_TOKEN
// (default: generated once into LUMENGRID_CHAIN_DIR/verifier-token, mode 600, never printed), and
// LUMENGRID_OPERATOR_TOKEN (the same, in LUMENGRID_CHAIN_DIR/operator-token; the operator page's sign-in).
//
// Builds the app first when the build is missing or older than the sources. Once the server answers, runs
// the headless provider (scripts/provider.ts) as the operator's trusted verifier, at low CPU priority: it
// renders only escalations and audits. If it cannot start (no WebGPU adapter) the product serves on without
// it. Ctrl-C (SIGINT) or SIGTERM stops every child process and closes the database.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { register } from 'tsx/esm/api';

register();
const { ConfigError, parseConfig } = await import('../lib/config/server-config.ts');

/** The configuration, or its problems printed and exit 1 (each one says what to set). */
function configOf(environment) {
  try {
    return parseConfig(environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const config = configOf(process.env);
const port = config.PORT;
const host = config.HOST;
const chainDir = resolve(root, config.LUMENGRID_CHAIN_DIR);
const nextBin = join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
const env = {
  ...process.env,
  LUMENGRID_DATA_DIR: resolve(root, config.LUMENGRID_DATA_DIR),
};

const SOURCE_DIRS = ['app', 'components', 'lib', 'workers', 'shaders', 'public'];
const SOURCE_FILES = ['next.config.ts', 'package.json', 'tsconfig.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function buildIfStale() {
  const buildId = join(root, '.next', 'BUILD_ID');
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  const sourcesAt = Math.max(...[...SOURCE_DIRS, ...SOURCE_FILES].map((p) => newestMtime(join(root, p))));
  if (builtAt > sourcesAt) return;
  console.log(builtAt ? 'Sources changed since the last build: building…' : 'First start: building the app…');
  const result = spawnSync(process.execPath, [nextBin, 'build'], { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('The build failed; see the errors above.');
    process.exit(result.status ?? 1);
  }
}

async function waitUntilReady(url, child) {
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    try {
      // Listing jobs opens (and migrates) the database, so a database problem shows up now, not later.
      const response = await fetch(`${url}/api/jobs`);
      if (response.ok) return true;
      console.error(`Server answered ${response.status}: ${await response.text()}`);
      return false;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return false;
}

/**
 * A token of the operator's: their own when set (`configured`), else generated once per folder into
 * LUMENGRID_CHAIN_DIR/`file`, readable by this user only. It reaches the server (and the verifier) through
 * the environment, never the command line (others can read that), and is never printed.
 * - verifier-token: the trusted verifier's (lib/verification/verifier-token.ts).
 * - operator-token: the operator page's sign-in (/operator, lib/coordinator/operator-session.ts).
 */
function operatorSecret(configured, file) {
  if (configured) return configured;
  const dir = chainDir;
  const path = join(dir, file);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(path, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  if (statSync(path).mode & 0o077) chmodSync(path, 0o600);
  const token = readFileSync(path, 'utf8').trim();
  if (!token) throw new Error(`${path} is empty: delete it and start again`);
  return token;
}

buildIfStale();
env.LUMENGRID_VERIFIER_TOKEN = operatorSecret(config.LUMENGRID_VERIFIER_TOKEN, 'verifier-token');
env.LUMENGRID_OPERATOR_TOKEN = operatorSecret(config.LUMENGRID_OPERATOR_TOKEN, 'operator-token');

const children = new Set();

/** Starts the local chain (anvil from npm) and deploys the escrow once, unless another chain is configured. */
async function startChain() {
  if (config.LUMENGRID_RPC_URL || config.LUMENGRID_CHAIN === 'off') return;
  const { startLocalChain } = await import('../lib/chain/local-chain.ts');
  const chain = await startLocalChain({
    dir: chainDir,
    port: config.LUMENGRID_ANVIL_PORT,
    challengeWindowSeconds: config.LUMENGRID_CHALLENGE_WINDOW_S,
  }).catch((error) => {
    console.error(`The local chain did not start: ${error.message}`);
    console.error(
      'Free port 8545 (or set LUMENGRID_ANVIL_PORT), or run without payments: LUMENGRID_CHAIN=off npm start',
    );
    process.exit(1);
  });
  children.add(chain.anvil.process);
  Object.assign(env, {
    LUMENGRID_RPC_URL: chain.rpcUrl,
    LUMENGRID_CHAIN_ID: String(chain.chainId),
    LUMENGRID_ESCROW_ADDRESS: chain.escrowAddress,
    LUMENGRID_COORDINATOR_KEY: chain.coordinatorKey,
    LUMENGRID_LOCAL_FAUCET: '1',
  });
  // "Claim without gas" on the local chain too, from a relayer key of its own, unless one is configured.
  if (!config.LUMENGRID_RELAYER_KEY) env.LUMENGRID_RELAYER_KEY = chain.relayerKey;
  console.log(
    `Local chain ${chain.chainId} at ${chain.rpcUrl}; escrow ${chain.escrowAddress}${chain.freshDeployment ? ' (deployed now)' : ''}`,
  );
}
await startChain();
// What the server will run with, now that the chain's variables are set (the server prints it too).
configOf(env);

// scripts/serve.mjs: Next.js behind our own Node server, which alone knows each request's peer address.
const server = spawn(
  process.execPath,
  [join(root, 'scripts', 'serve.mjs'), '--port', String(port), '--hostname', host],
  {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
children.add(server);
// Next prints its own banner with addresses; keep its other output but print one URL of our own.
server.stdout.setEncoding('utf8');
server.stdout.on('data', (text) => {
  for (const line of text.split('\n')) {
    if (line.trim() && !/^\s*(-\s*(Local|Network):|▲ Next\.js|✓ Ready|✓ Starting)/.test(line))
      console.log(line);
  }
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\nStopping Lumengrid (${signal})…`);
  for (const child of children) child.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
  }, 10_000);
  force.unref();
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

server.on('exit', (code, signal) => {
  children.delete(server);
  for (const child of children) child.kill('SIGTERM'); // anvil writes its state on SIGTERM
  if (!stopping) console.error(`The server stopped unexpectedly (${signal ?? `exit code ${code}`}).`);
  process.exit(stopping ? 0 : (code ?? 1));
});

/**
 * The operator's trusted verifier: the headless provider with the token, at low priority (its renders wait
 * for the server and browsers; it is idle nearly always). One that cannot start, or stops, is reported in
 * one line and the product serves on: escalations and audits wait until a verifier asks for them.
 */
function startVerifier(url) {
  if (config.LUMENGRID_VERIFIER === 'off') return;
  const args = [
    '--import',
    'tsx',
    '--import',
    './scripts/register-wgsl.mjs',
    join(root, 'scripts', 'provider.ts'),
  ];
  const session = `verifier-${randomBytes(9).toString('base64url')}`;
  const verifier = spawn(process.execPath, [...args, '--url', url, '--session', session, '--low-priority'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(verifier);
  let working = false;
  /** What it said on stderr before it worked: the reason it could not, at its exit. */
  const said = [];
  const relay = (stream, print) => {
    stream.setEncoding('utf8');
    stream.on('data', (text) => {
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        if (line.startsWith('Working for ')) working = true;
        if (!working && print === console.error && said.length < 200) said.push(line.trim());
        // Before it works, its errors are the reason it cannot: reported once, at its exit.
        if (working || print === console.log) print(`verifier: ${line}`);
      }
    });
  };
  relay(verifier.stdout, console.log);
  relay(verifier.stderr, console.error);
  verifier.on('error', (error) => said.push(error.message));
  verifier.on('exit', (code, signal) => {
    children.delete(verifier);
    if (stopping || code === 0) return;
    // Dawn's and Vulkan's warnings come first: the provider's own line, else an error's, names the cause.
    const reason =
      said.find((l) => l.startsWith('No GPU to render with: '))?.slice(23) ??
      said.find((l) => /^\w*Error\b/.test(l)) ??
      said.at(-1);
    const exit = signal ?? `exit code ${code}`;
    const why = working
      ? `the verifier stopped (${exit})`
      : `the verifier could not start (${reason ? `${reason.replace(/\.$/, '')}, ` : ''}${exit})`;
    console.error(
      `No trusted verifier: ${why}; disagreements wait for one. Set LUMENGRID_VERIFIER=off to silence this.`,
    );
  });
}

const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
if (await waitUntilReady(url, server)) {
  console.log(`Lumengrid is running at ${url}`);
  // The token itself is never printed (terminals are logged and shared): where to read it is.
  console.log(
    config.LUMENGRID_OPERATOR_TOKEN
      ? `Operator page: ${url}/operator (sign in with your LUMENGRID_OPERATOR_TOKEN)`
      : `Operator page: ${url}/operator (sign in with the token in ${join(chainDir, 'operator-token')})`,
  );
  if (!stopping) startVerifier(url);
} else if (!stopping) {
  stop('startup failed');
}
