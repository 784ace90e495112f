import AxeBuilder from '@axe-core/playwright';
import { expect, test } from './fixtures';

/**
 * axe on every page, in the light and the dark theme (both follow the system's prefers-color-scheme): no
 * serious or critical WCAG 2.1 A/AA violation. Lesser findings are attached to the report, not failed on.
 */
const PAGES = ['/', '/jobs', 'job', '/contribute', '/claims', '/render', '/api-docs', '/operator'] as const;

for (const colorScheme of ['light', 'dark'] as const) {
  test(`every page passes axe in the ${colorScheme} theme`, async ({ gpuContext, request }, testInfo) => {
    const created = await request.post('/api/jobs', {
      data: { scene: 'cornell', width: 16, height: 16, samplesPerPixel: 1 },
    });
    expect(created.status()).toBe(201);
    const job = (await created.json()) as { id: string; ownerToken: string };
    const page = await gpuContext.newPage();
    await page.emulateMedia({ colorScheme });
    const failures: string[] = [];
    for (const entry of PAGES) {
      const path = entry === 'job' ? `/jobs/${job.id}` : entry;
      await page.goto(path);
      await expect(page.locator('h1').first()).toBeVisible();
      // Client parts (the job's first event, the contribute page's adapter probe) fill in after load.
      await page.waitForTimeout(1500);
      // axe cannot judge text over a background image and leaves it unchecked; the body's faint glow
      // (radial gradients at 5 to 12 % opacity) is one, so contrast is checked against its plain colour.
      await page.addStyleTag({ content: 'body { background: var(--bg) !important; }' });
      const results = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      await testInfo.attach(`axe ${colorScheme} ${path}`, {
        body: JSON.stringify(results.violations, null, 2),
        contentType: 'application/json',
      });
      // Contrast was judged, not skipped (text over an image is left 'incomplete').
      expect(
        [...results.passes, ...results.violations].map((r) => r.id),
        path,
      ).toContain('color-contrast');
      for (const v of results.violations) {
        if (v.impact !== 'serious' && v.impact !== 'critical') continue;
        const where = v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n    ');
        failures.push(`${path} ${v.id} (${v.impact}): ${v.help}\n    ${where}`);
      }
    }
    // The job only had to exist for its page: its owner cancels it, so that no later test's contributor
    // is handed its work.
    const cancelled = await request.post(`/api/jobs/${job.id}/cancel`, {
      headers: { authorization: `Bearer ${job.ownerToken}` },
    });
    expect(cancelled.status()).toBe(200);
    expect(failures, failures.join('\n')).toEqual([]);
  });
}
