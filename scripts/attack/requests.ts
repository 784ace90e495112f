/**
 * Single requests that used to cost the coordinator work it should not do, or move what is not the
 * caller's, tried against a running server the way a script would, with what each answered, how long it
 * took and the server's memory (VmRSS from /proc, peak during the attack and after it settles):
 *   forged-origin   20 bad uploads, each claiming another client in the leftmost X-Forwarded-For entry
 *   free-job-flood  12 unpaid 4096x4096 jobs at 1024 samples per pixel from one origin
 *   giant-units     one job of 256² tiles x 65536 samples per fixed unit (4.3 G pixel-samples each)
 *   lease-flood     200 fresh sessions of one origin each asking for work
 *   cross-site      a text/plain POST of a job (what another site's page may send without asking)
 *   payout-hijack   binding a session that leased with its own key to a thief's address (needs payments)
 *
 * The server must trust one proxy hop (LUMENGRID_TRUST_PROXY=1) so that this script can play many origins:
 *   LUMENGRID_TRUST_PROXY=1 PORT=3300 LUMENGRID_DATA_DIR=/tmp/attack-db npm start
 *   node --import tsx scripts/attack/requests.ts --url http://127.0.0.1:3300 [--pid N]
 */
import { parseArgs } from 'node:util';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { sessionPublicKey } from '../../lib/client/session-key';
import { payoutBindingMessage } from '../../lib/settlement/pricing';
import { mb, measured, memoryOf, pidListeningOn, statuses } from './server-process';

const { values } = parseArgs({
  options: { url: { type: 'string', default: 'http://127.0.0.1:3300' }, pid: { type: 'string' } },
});
const base = values.url.replace(/\/$/, '');
const pid = values.pid ? Number(values.pid) : pidListeningOn(Number(new URL(base).port || 80));
const run = `${process.pid}-${Date.now() % 1_000_000}`;

/** One request as a client behind the trusted proxy: `origin` is what the proxy appended. */
async function call(path: string, init: RequestInit & { origin: string; forged?: string }) {
  const headers = new Headers(init.headers);
  headers.set('x-forwarded-for', init.forged ? `${init.forged}, ${init.origin}` : init.origin);
  try {
    const response = await fetch(`${base}${path}`, { ...init, headers });
    const body = await response.text();
    return { status: response.status, body };
  } catch {
    return { status: 0, body: '' };
  }
}

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

interface Attack {
  name: string;
  /** What a safe coordinator answers. */
  expected: string;
  run(): Promise<{ status: number }[]>;
}

const attacks: Attack[] = [
  {
    name: 'forged-origin',
    expected: 'refused after the burst (10), whatever the client writes',
    run: async () => {
      const results = [];
      for (let i = 0; i < 20; i++) {
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(64)]), 'junk.glb');
        results.push(
          await call('/api/scenes', {
            method: 'POST',
            body: form,
            origin: '10.50.0.1',
            forged: `198.51.100.${i}`,
          }),
        );
      }
      return results;
    },
  },
  {
    name: 'free-job-flood',
    expected: 'a few accepted, the rest refused',
    run: async () => {
      const results = [];
      for (let i = 0; i < 12; i++) {
        const job = { scene: 'cornell', width: 4096, height: 4096, samplesPerPixel: 1024 };
        results.push(await call('/api/jobs', { ...json(job), origin: '10.50.0.2' }));
      }
      return results;
    },
  },
  {
    name: 'giant-units',
    expected: 'refused',
    run: async () => {
      const job = {
        scene: 'cornell',
        width: 4096,
        height: 4096,
        samplesPerPixel: 65_536,
        tileSize: 256,
        samplesPerUnit: 65_536,
        budgetWei: undefined,
      };
      return [await call('/api/jobs', { ...json(job), origin: '10.50.0.3' })];
    },
  },
  {
    name: 'lease-flood',
    expected: 'no more than a household of GPUs holds',
    run: async () => {
      // A job with plenty of units to hoard: 64 x 64 px in 8 px tiles, 4 samples, one per unit.
      const job = {
        scene: 'cornell',
        width: 64,
        height: 64,
        samplesPerPixel: 4,
        tileSize: 8,
        samplesPerUnit: 1,
      };
      await call('/api/jobs', { ...json(job), origin: '10.50.0.9' });
      const results = [];
      for (let i = 0; i < 200; i++) {
        const sessionId = `flood-${run}-${i}`;
        const lease = await call('/api/work/lease', {
          ...json({ sessionId, publicKey: await sessionPublicKey(sessionId) }),
          origin: '10.50.0.4',
        });
        results.push(lease);
      }
      return results;
    },
  },
  {
    name: 'cross-site',
    expected: 'refused (415)',
    run: async () => [
      await call('/api/jobs', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ scene: 'cornell', width: 64, height: 64, samplesPerPixel: 4 }),
        origin: '10.50.0.5',
      }),
    ],
  },
  {
    name: 'payout-hijack',
    expected: 'refused (401)',
    run: async () => {
      const chain = (await (await fetch(`${base}/api/chain`)).json()) as { chainId?: number };
      if (!chain.chainId) return [];
      // The victim's tab leased with its own key; the thief knows only the session id.
      const victim = `victim-${run}`;
      await call('/api/work/lease', {
        ...json({ sessionId: victim, publicKey: await sessionPublicKey(victim) }),
        origin: '10.50.0.6',
      });
      const thief = privateKeyToAccount(generatePrivateKey());
      const signature = await thief.signMessage({
        message: payoutBindingMessage(victim, thief.address, chain.chainId),
      });
      return [
        await call(`/api/contributors/${victim}/payout-address`, {
          ...json({ address: thief.address, signature }),
          origin: '10.50.0.7',
        }),
      ];
    },
  },
];

async function main() {
  const start = memoryOf(pid);
  console.log(`server pid ${pid} at ${base}; RSS ${mb(start.rss)}`);
  console.log('attack          | time     | answers                | peak RSS | settled  | a safe server');
  for (const attack of attacks) {
    const { result, ms, peak, settled } = await measured(pid, () => attack.run());
    const answers = result.length ? statuses(result) : 'skipped (no payments)';
    console.log(
      `${attack.name.padEnd(15)} | ${`${(ms / 1000).toFixed(2)} s`.padEnd(8)} | ${answers.padEnd(22)} | ${mb(peak).padEnd(8)} | ${mb(settled).padEnd(8)} | ${attack.expected}`,
    );
  }
}

await main();
