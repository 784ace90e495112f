/**
 * `node --import tsx scripts/render-icons.ts`: rasterizes app/icon.svg into the PNG icons the web manifest
 * and iOS ask for (public/icons, app/apple-icon.png) with the same Chromium the e2e tests use. Run it after
 * changing the SVG; the PNGs are committed.
 */
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';

const svg = readFileSync('app/icon.svg', 'utf8');
const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;

/** size: the PNG's side; inset: the icon's side inside it (a maskable icon keeps a safe zone of padding). */
const OUTPUTS = [
  { path: 'public/icons/icon-192.png', size: 192, inset: 192 },
  { path: 'public/icons/icon-512.png', size: 512, inset: 512 },
  { path: 'public/icons/icon-maskable-512.png', size: 512, inset: 400, background: '#0c0e13' },
  { path: 'app/apple-icon.png', size: 180, inset: 180, background: '#0c0e13' },
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium' });
try {
  for (const { path, size, inset, background } of OUTPUTS) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(
      `<body style="margin:0;display:grid;place-items:center;width:${size}px;height:${size}px;background:${background ?? 'transparent'}"><img src="${src}" width="${inset}" height="${inset}"></body>`,
    );
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
    await page.screenshot({ path, omitBackground: !background });
    await page.close();
    console.log(`wrote ${path}`);
  }
} finally {
  await browser.close();
}
