#!/usr/bin/env node
// `npm start`: runs the whole product on this machine with embedded defaults and prints one URL.
//
//   PORT                  HTTP port (default 3000)
//   HOST                  interface to listen on (default 127.0.0.1)
//   LUMENGRID_DATA_DIR    embedded database folder (default .lumengrid/db)
//   LUMENGRID_LEASE_TTL_MS  how long a contributor may hold a unit (default 120000)
//
// Builds the app first when the build is missing or older than the sources. Ctrl-C (SIGINT) or SIGTERM
// stops every child process and closes the database.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || '127.0.0.1';
const nextBin = join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
const env = {
  ...process.env,
  LUMENGRID_DATA_DIR: resolve(root, process.env.LUMENGRID_DATA_DIR || '.lumengrid/db'),
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

buildIfStale();

const children = new Set();
const server = spawn(process.execPath, [nextBin, 'start', '--port', String(port), '--hostname', host], {
  cwd: root,
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
children.add(server);
// Next prints its own banner with addresses; keep its other output but print one URL of our own.
server.stdout.setEncoding('utf8');
server.stdout.on('data', (text) => {
  for (const line of text.split('\n')) {
    if (line.trim() && !/^\s*(-\s*(Local|Network):|▲ Next\.js|✓ Ready in|✓ Starting)/.test(line))
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
  if (!stopping) console.error(`The server stopped unexpectedly (${signal ?? `exit code ${code}`}).`);
  process.exit(stopping ? 0 : (code ?? 1));
});

const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
if (await waitUntilReady(url, server)) {
  console.log(`Lumengrid is running at ${url}`);
} else if (!stopping) {
  stop('startup failed');
}
