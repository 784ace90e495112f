import { expect, test } from './fixtures';

// The requestor's own jobs: a private job made on the dashboard is listed under 'My jobs' in this browser
// only; another browser neither sees it in the list nor reads it; its owner cancels it from the list.

test('a private job is mine alone, and I can cancel it', async ({ gpuContext, request }) => {
  const page = await gpuContext.newPage();
  await page.goto('/jobs');
  await page.getByTestId('job-private').check();
  await page.getByRole('button', { name: 'Create job', exact: true }).click();
  await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  const jobId = page.url().split('/').at(-1) as string;
  // The job's page opens in its owner's browser (the token in localStorage, the cookie for its image).
  await expect(page.getByTestId('job-status')).toHaveText('rendering');
  await expect(page).toHaveTitle(/% · job/);
  await expect(page.getByTestId('job-owner-controls')).toBeVisible();

  await page.goto('/jobs');
  const mine = page.getByTestId('my-jobs');
  const row = mine.locator(`[data-job-id="${jobId}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText('private');

  // Anyone else (no token, no cookie): not listed, and reading or cancelling it needs the owner's token.
  const stranger = request;
  const listed = await (await stranger.get('/api/jobs')).json();
  expect(listed.jobs.map((j: { id: string }) => j.id)).not.toContain(jobId);
  expect((await stranger.get(`/api/jobs/${jobId}`)).status()).toBe(401);
  expect((await stranger.get(`/api/jobs/${jobId}/image.png?maxSize=16`)).status()).toBe(401);
  expect((await stranger.post(`/api/jobs/${jobId}/cancel`)).status()).toBe(401);

  page.once('dialog', (dialog) => dialog.accept());
  await row.getByTestId('job-cancel').click();
  await expect(row.getByText('cancelled', { exact: true })).toBeVisible();
  await expect(row.getByTestId('job-owner-controls')).toHaveCount(0);
  const ownerToken = await page.evaluate(
    () => JSON.parse(localStorage.getItem('lumengrid-owner') ?? '{}').state?.ownerToken,
  );
  const job = await (
    await page.request.get(`/api/jobs/${jobId}`, { headers: { authorization: `Bearer ${ownerToken}` } })
  ).json();
  expect(job.status).toBe('cancelled');
});
