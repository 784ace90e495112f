/**
 * Bundles the benchmark page and its two workers with esbuild and serves them from a tiny static HTTP server
 * on 127.0.0.1: no Next.js build is needed, and both renderers run from the same origin in the same browser.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';

const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Lumengrid render benchmark</title></head>
<body><script src="/page.js"></script></body></html>
`;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Bundles into `outDir` and serves it; returns the page's URL. `files` maps further URL paths to files on
 * disk (the glTF and .hdr files bench:fidelity renders), served as bytes; nothing else on disk is reachable.
 */
export async function bundleAndServe(
  outDir: string,
  files: Map<string, string> = new Map(),
): Promise<BenchServer> {
  const here = import.meta.dirname;
  await build({
    entryPoints: {
      page: join(here, 'browser/page.ts'),
      'ours-worker': join(here, 'browser/ours-worker.ts'),
      'peer-worker': join(here, 'browser/peer-worker.ts'),
    },
    outdir: outDir,
    bundle: true,
    // Classic scripts: a classic worker needs no module-worker support and loads the same everywhere.
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    // The kernel's .wgsl sources import as strings, as next.config.ts and scripts/wgsl-hooks.mjs make them.
    loader: { '.wgsl': 'text' },
    // Library code may read process.env (tuning knobs, NODE_ENV); in the browser every such read is unset.
    define: { 'process.env.NODE_ENV': '"production"' },
    banner: { js: 'var process = globalThis.process || { env: {} };' },
    logLevel: 'warning',
  });

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const send = (status: number, type: string, body: string | Buffer) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (path === '/' || path === '/index.html') return send(200, CONTENT_TYPES['.html'] as string, HTML);
    const file = files.get(path);
    if (file) {
      readFile(file).then(
        (body) => send(200, 'application/octet-stream', body),
        () => send(404, 'text/plain', 'not found'),
      );
      return;
    }
    const name = path.slice(1);
    if (!/^[a-z-]+\.js$/.test(name)) return send(404, 'text/plain', 'not found');
    readFile(join(outDir, name)).then(
      (body) => send(200, CONTENT_TYPES['.js'] as string, body),
      () => send(404, 'text/plain', 'not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
