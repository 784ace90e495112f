import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect, test } from './fixtures';

// What a browser gets from the server: security headers on every page and API answer, a CSP that the app
// itself runs under, and no secret in anything shipped to browsers.

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

test('pages and API answers carry the security headers, with a fresh CSP nonce per page', async ({
  request,
}) => {
  const first = await request.get('/');
  const second = await request.get('/');
  for (const response of [first, second, await request.get('/api/jobs')]) {
    const headers = response.headers();
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(headers['content-security-policy']).toMatch(/object-src 'none'/);
  }
  const nonce = (csp: string) => /'nonce-([^']+)'/.exec(csp)?.[1];
  const a = nonce(first.headers()['content-security-policy'] ?? '');
  const b = nonce(second.headers()['content-security-policy'] ?? '');
  expect(a).toBeTruthy();
  expect(a).not.toBe(b);
  // Next.js put this request's nonce on its scripts.
  expect(await first.text()).toContain(`nonce="${a}"`);
});

test('no private key or server secret is in what browsers download', async ({ request }) => {
  const chainDir = join(process.env.E2E_DATA_DIR as string, '..', 'chain');
  const keys = JSON.parse(readFileSync(join(chainDir, 'keys.json'), 'utf8')) as Record<string, string>;
  const secrets = [...Object.values(keys).map((k) => k.slice(2).toLowerCase()), 'LUMENGRID_COORDINATOR_KEY'];
  const shipped = files(join(process.cwd(), '.next', 'static'));
  expect(shipped.length).toBeGreaterThan(10);
  for (const file of shipped) {
    const text = readFileSync(file, 'utf8').toLowerCase();
    for (const secret of secrets)
      expect(text.includes(secret.toLowerCase()), `${secret.slice(0, 6)}… in ${file}`).toBe(false);
  }
  // And the pages themselves, as served.
  for (const path of ['/', '/jobs', '/contribute', '/claims']) {
    const html = (await (await request.get(path)).text()).toLowerCase();
    for (const secret of secrets)
      expect(html.includes(secret.toLowerCase()), `${secret.slice(0, 6)}… in ${path}`).toBe(false);
  }
});

test('a page on another site cannot make this server act: JSON endpoints refuse simple cross-site POSTs', async ({
  gpuContext,
  request,
  baseURL,
}) => {
  const page = await gpuContext.newPage();
  const newestJob = async () =>
    ((await (await request.get('/api/jobs')).json()) as { jobs: { id: string }[] }).jobs[0]?.id ?? null;
  const newestBefore = await newestJob();
  // Another site: a server of its own on another port (another origin), serving a page without this app's
  // CSP, as an attacker's page would be.
  const otherSite = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>another site</title>');
  });
  await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve));
  const { port } = otherSite.address() as AddressInfo;
  await page.goto(`http://127.0.0.1:${port}/`);
  // What the server answered, as the browser saw it (the page itself may not read a no-cors answer).
  const answered: number[] = [];
  page.on('response', (response) => {
    if (response.url().endsWith('/api/jobs') && response.request().method() === 'POST')
      answered.push(response.status());
  });

  const statuses = await page.evaluate(async (target) => {
    const job = JSON.stringify({ scene: 'cornell', width: 64, height: 64, samplesPerPixel: 4 });
    // What a hostile page can send without a CORS preflight: text/plain and form bodies (no-cors). The
    // browser sends them; it may then withhold the answer from the page (CORP), which is not the point.
    const send = (init: RequestInit) =>
      fetch(`${target}/api/jobs`, { method: 'POST', mode: 'no-cors', ...init }).catch(() => null);
    await send({ body: job });
    await send({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: job });
    return 'sent';
  }, baseURL as string);
  expect(statuses).toBe('sent');
  await expect.poll(() => answered).toEqual([415, 415]);
  otherSite.close();
  expect(await newestJob()).toBe(newestBefore);

  const plain = await request.post('/api/jobs', {
    data: '{"scene":"cornell","width":64,"height":64,"samplesPerPixel":4}',
    headers: { 'content-type': 'text/plain' },
  });
  expect(plain.status()).toBe(415);
  expect(((await plain.json()) as { message: string }).message).toMatch(/Content-Type: application\/json/);
});
