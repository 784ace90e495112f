import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from './fixtures';

// The operator page as an operator meets it under `npm start`: the token it generated (in the chain
// folder, never printed) signs in once; a wrong one is refused with what to do; the cookie holds no token.

const operatorToken = () =>
  readFileSync(join(process.env.E2E_DATA_DIR as string, '..', 'chain', 'operator-token'), 'utf8').trim();

test('the operator signs in with the generated token, sees the farm, and signs out', async ({
  gpuContext,
}) => {
  const page = await gpuContext.newPage();
  await page.goto('/operator');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('At a glance')).toHaveCount(0);

  await page.getByLabel('Operator token').fill('not-the-operator-token-at-all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'That is not the operator token' })).toBeVisible();
  expect((await gpuContext.cookies()).filter((c) => c.name === 'lumengrid_operator')).toEqual([]);

  const token = operatorToken();
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'At a glance' })).toBeVisible();
  for (const title of ['Quarantined sessions', 'Open disputes', 'Settlements', 'Stuck units'])
    await expect(page.getByRole('heading', { name: new RegExp(`^${title} \\(\\d+\\)$`) })).toBeVisible();
  await expect(page.getByTestId('operator-figures')).toContainText('Units pending');
  // npm start: one process on the embedded database, with its local chain, runs the payments rounds.
  await expect(page.getByTestId('operator-figures')).toContainText('Payments leaderthis process');
  const [cookie] = (await gpuContext.cookies()).filter((c) => c.name === 'lumengrid_operator');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/operator', secure: false });
  expect(cookie?.value).not.toContain(token);

  // pages-accessibility.spec.ts sees the form; the signed-in page, its figures and tables, is checked here.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.addStyleTag({ content: 'body { background: var(--bg) !important; }' });
    const { violations } = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${colorScheme} ${v.id}: ${v.help}`)).toEqual([]);
  }

  // Signed in, the page survives a reload; signed out, it shows the form again.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'At a glance' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.close();
});
