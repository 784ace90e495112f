import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface AnvilOptions {
  port: number;
  host?: string;
  chainId?: number;
  /** File the chain state is loaded from and written to (every few seconds and on exit). */
  statePath?: string;
  /** Print anvil's log (off by default: one line per RPC call). */
  verbose?: boolean;
}

export interface Anvil {
  rpcUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The anvil binary that npm `@foundry-rs/anvil` installed for this platform. */
export function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  return join(dirname(require.resolve(`${platformPackage}/package.json`)), 'bin', 'anvil');
}

/** Starts a local anvil chain and resolves once it answers JSON-RPC. */
export async function startAnvil(options: AnvilOptions): Promise<Anvil> {
  const host = options.host ?? '127.0.0.1';
  const args = [
    '--port',
    String(options.port),
    '--host',
    host,
    '--chain-id',
    String(options.chainId ?? 31337),
  ];
  if (options.statePath) args.push('--state', options.statePath, '--state-interval', '2');
  const child = spawn(anvilBinary(), args, {
    stdio: ['ignore', options.verbose ? 'inherit' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const rpcUrl = `http://${host}:${options.port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      // SIGTERM lets anvil write its state file before it exits.
      child.kill('SIGTERM');
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`anvil exited with ${child.exitCode}: ${stderr.trim()}`);
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (response.ok) return { rpcUrl, process: child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`anvil did not answer on ${rpcUrl} within 10 s: ${stderr.trim()}`);
}
