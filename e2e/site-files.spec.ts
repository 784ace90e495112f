import { expect, test } from './fixtures';

test('robots.txt keeps crawlers off the API, and the web manifest’s icons load', async ({ request }) => {
  const robots = await (await request.get('/robots.txt')).text();
  expect(robots).toMatch(/User-Agent: \*/i);
  expect(robots).toContain('Disallow: /api/');

  const manifest = await request.get('/manifest.webmanifest');
  expect(manifest.status()).toBe(200);
  const { icons, name } = (await manifest.json()) as { name: string; icons: { src: string; type: string }[] };
  expect(name).toContain('Lumengrid');
  expect(icons.map((i) => i.src)).toContain('/icons/icon-512.png');
  for (const icon of icons) {
    const answer = await request.get(icon.src);
    expect(answer.status(), icon.src).toBe(200);
    expect(answer.headers()['content-type'], icon.src).toContain(icon.type);
  }
  const page = await (await request.get('/')).text();
  expect(page).toContain('rel="manifest"');
  expect(page).toContain('rel="apple-touch-icon"');
});
