// The product's server (`next start`, needs `npm run build`) as the benchmarks run it: on loopback, without a
// chain, with whatever else the benchmark sets; ready once GET /api/jobs answers.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nextBin = join(root, 'node_modules', 'next', 'dist', 'bin', 'next');

export interface Server {
  url: string;
  process: ChildProcess;
}

export async function startServer(port: number, env: Record<string, string>): Promise<Server> {
  const child = spawn(
    process.execPath,
    [nextBin, 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    {
      cwd: root,
      env: { ...process.env, LUMENGRID_CHAIN: 'off', LUMENGRID_RPC_URL: '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/api/jobs`)).ok) return { url, process: child };
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} did not start: ${stderr}`);
}

export function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.process.exitCode !== null) return resolve();
    server.process.once('exit', () => resolve());
    server.process.kill('SIGTERM');
    setTimeout(() => server.process.kill('SIGKILL'), 5000).unref();
  });
}
