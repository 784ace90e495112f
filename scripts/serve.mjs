#!/usr/bin/env node
// The product's HTTP server: Next.js (production build) behind a Node server of our own, for one reason:
// route handlers cannot see the TCP peer's address, and any header a client sends it can forge. This server
// writes the peer's address into `x-lumengrid-peer` (replacing whatever the client sent) before Next.js sees
// the request, and tells the app it may trust that header (lib/coordinator/http.ts clientOrigin). It also
// gives every request an id (a well-formed X-Request-Id from the client or a proxy, else a fresh one), echoes
// it in the response, and logs each request as one JSON line (pino) with it. It checks the configuration
// (lib/config) before Next.js starts and logs it, secrets only as set or unset; a bad one exits 1.
//
//   node scripts/serve.mjs --port 3000 --hostname 127.0.0.1   (npm start runs it)
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import next from 'next';
import pino from 'pino';
import { tsImport } from 'tsx/esm/api';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '3000' }, hostname: { type: 'string', default: '127.0.0.1' } },
});
const port = Number(values.port);
const hostname = values.hostname;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

process.env.NODE_ENV = 'production';
process.env.LUMENGRID_PEER_HEADER = '1';
// The same module the app reads it through; its parse is cached on globalThis, so the app reuses this one.
const { ConfigError, describeConfig, serverConfig } = await tsImport(
  '../lib/config/server-config.ts',
  import.meta.url,
);
let config;
try {
  config = serverConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const log = pino({ name: 'lumengrid', level: config.LUMENGRID_LOG_LEVEL ?? 'info' });
log.info({ config: describeConfig(process.env, 'server') }, 'configuration');
const app = next({ dev: false, dir: root, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((request, response) => {
  request.headers['x-lumengrid-peer'] = request.socket.remoteAddress ?? '';
  // Same rule as lib/coordinator/log.ts requestIdOf.
  const given = request.headers['x-request-id'];
  const requestId =
    typeof given === 'string' && /^[A-Za-z0-9._:-]{8,128}$/.test(given) ? given : randomUUID();
  request.headers['x-request-id'] = requestId;
  response.setHeader('x-request-id', requestId);
  const started = performance.now();
  response.once('finish', () => {
    // Static files and pages are many and say little: log the API, and anything that failed.
    if (!request.url?.startsWith('/api/') && response.statusCode < 400) return;
    log.info(
      {
        requestId,
        method: request.method,
        path: request.url?.split('?')[0],
        status: response.statusCode,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  handle(request, response);
});
// Slow clients hold sockets: bound how long a request may take to arrive.
server.headersTimeout = 20_000;
server.requestTimeout = 120_000;
server.listen(port, hostname, () => {
  log.info({ url: `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}` }, 'ready');
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5_000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
