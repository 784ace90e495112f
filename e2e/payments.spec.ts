import type { Page } from '@playwright/test';
import { type Hex, parseEther } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import type { ChainInfo, ClaimsView, JobView } from '../lib/protocol/api-types';
import { expect, giveConsent, test } from './fixtures';
import { chainRpc, connectWallet, installWallet } from './wallet';

// The money path as people use it, on the real local chain of `npm start` (anvil) with the escrow deployed:
// a requestor deposits from the job form with a browser wallet, two contributor tabs bind payout addresses
// by signing and render the job, the coordinator posts a settlement, the challenge window passes (the test
// moves the chain's clock), a contributor claims on the claims page and its on-chain balance rises by exactly
// what its verified work earned, and the requestor takes the unused deposit back.

const rpcUrl = process.env.E2E_RPC_URL as string;

test('a paid job: deposit, render, settle, claim exactly what was earned, refund the rest', async ({
  gpuContext,
}, testInfo) => {
  const rpc = chainRpc(rpcUrl);
  const wallet = await installWallet(gpuContext, rpcUrl);
  const chain = (await (await gpuContext.request.get('/api/chain')).json()) as ChainInfo;
  if (!chain.enabled) throw new Error(`payments are off in the e2e server: ${chain.reason}`);
  const price = BigInt(chain.priceWeiPerPixelSample);

  // Two contributors, each its own tab, session and payout address; each binds it by signing (no gas).
  const contributors: { page: Page; address: Hex }[] = [];
  for (let i = 0; i < 2; i++) {
    const page = await gpuContext.newPage();
    const account = wallet.use(page, generatePrivateKey());
    await rpc.fund(account.address, parseEther('1')); // gas for the claim
    await page.goto('/contribute');
    await expect(page.getByTestId('adapter')).toContainText(/\S/);
    await connectWallet(page);
    await page.getByTestId('sign-payout-button').click();
    await expect(page.getByTestId('payout-address')).toContainText(account.address.slice(0, 6));
    await giveConsent(page);
    await page.getByRole('button', { name: 'Start' }).click();
    await expect(page.getByTestId('contributor-status')).toHaveText('running');
    contributors.push({ page, address: account.address });
  }

  // The requestor creates a paid job; the form sends the deposit through the wallet.
  const dashboard = await gpuContext.newPage();
  const requestor = wallet.use(dashboard, generatePrivateKey());
  await rpc.fund(requestor.address, parseEther('5'));
  await dashboard.goto('/jobs');
  await connectWallet(dashboard);
  await dashboard.getByLabel('Width').fill('32');
  await dashboard.getByLabel('Height').fill('32');
  await dashboard.getByLabel('Samples per pixel').fill('8');
  await dashboard.getByText('Advanced').click();
  await dashboard.getByLabel('Tile size').fill('16');
  await dashboard.getByLabel('Samples per unit').fill('4');
  await expect(dashboard.getByTestId('payment-paid')).toBeChecked();
  await expect(dashboard.getByTestId('cost-deposit')).toContainText('ETH');
  const requestorStart = await rpc.balance(requestor.address);
  await dashboard.getByRole('button', { name: 'Create job and deposit' }).click();
  await dashboard.waitForURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 60_000 });
  const jobId = dashboard.url().split('/').pop() as string;
  await expect(dashboard.getByTestId('payment-state')).toContainText('funded', { timeout: 30_000 });
  const funded = (await (await dashboard.request.get(`/api/jobs/${jobId}`)).json()) as JobView;
  const deposit = BigInt(funded.payment?.depositedWei ?? 0);
  expect(deposit).toBe(BigInt(funded.payment?.budgetWei ?? -1));
  expect(funded.payment?.requestor).toBe(requestor.address);

  await expect(dashboard.getByTestId('job-status')).toHaveText('done', { timeout: 180_000 });

  // What each contributor's verified work on this job is worth: its ledger credit at the job's price.
  const claimsOf = async (address: Hex) =>
    (await (await dashboard.request.get(`/api/claims/${address}`)).json()) as ClaimsView;
  const earned = await Promise.all(
    contributors.map(async ({ address }) => {
      const credit = (await claimsOf(address)).jobs.find((j) => j.jobId === jobId);
      return BigInt(credit?.pixelSamples ?? 0) * price;
    }),
  );
  expect(earned.every((e) => e > 0n)).toBe(true);

  // The settlement is posted (pending: inside its challenge window, nothing claimable yet).
  await expect
    .poll(async () => (await claimsOf(contributors[0]?.address as Hex)).settlements[0]?.state, {
      timeout: 60_000,
    })
    .toBe('pending');
  expect((await claimsOf(contributors[0]?.address as Hex)).claimableWei).toBe('0');
  await dashboard.reload();
  await expect(dashboard.getByTestId('open-settlement')).toBeVisible();

  // The window passes and the settlement is final. A settlement posted while the job was still rendering
  // must be final before the closing one is posted: move the clock on until the job is closed.
  const jobPayment = async () =>
    ((await (await dashboard.request.get(`/api/jobs/${jobId}`)).json()) as JobView).payment;
  await expect
    .poll(
      async () => {
        await rpc.advance(chain.challengeWindowSeconds + 1);
        return (await jobPayment())?.state;
      },
      { timeout: 90_000, intervals: [2_000] },
    )
    .toBe('closed');
  const claimant = contributors[0] as { page: Page; address: Hex };
  expect((await claimsOf(claimant.address)).claimableWei).toBe(earned[0]?.toString());

  // The contributor claims on the claims page; its balance rises by exactly what it earned (plus gas paid).
  const claimsPage = claimant.page;
  await claimsPage.goto('/claims');
  const before = await rpc.balance(claimant.address);
  await expect(claimsPage.getByTestId('claim-button')).toBeEnabled({ timeout: 30_000 });
  await claimsPage.getByTestId('claim-button').click();
  await expect(claimsPage.getByTestId('claim-result')).toBeVisible({ timeout: 30_000 });
  const claimTx = wallet.sent(claimsPage).at(-1) as Hex;
  const after = await rpc.balance(claimant.address);
  expect(after - before + (await rpc.gasCost(claimTx))).toBe(earned[0]);
  await expect(claimsPage.getByTestId('claims-claimable')).toHaveText(/^0 ETH/);
  await expect.poll(async () => (await claimsOf(claimant.address)).claimedWei).toBe(earned[0]?.toString());
  // Its history lists the claim, read from the chain, with the transaction that paid it.
  const claimRow = claimsPage.getByTestId('claim-row');
  await expect(claimRow).toHaveCount(1, { timeout: 30_000 });
  await expect(claimRow.locator(`td[title="${claimTx}"]`)).toBeVisible();
  await testInfo.attach('claims page after a claim', {
    body: await claimsPage.screenshot({ fullPage: true }),
    contentType: 'image/png',
  });

  // The requestor takes back deposit − settled once the job's closing settlement is final.
  await expect(dashboard.getByTestId('payment-state')).toContainText('closed', { timeout: 30_000 });
  const settled = BigInt((await jobPayment())?.settledWei ?? 0);
  expect(settled).toBe((earned[0] ?? 0n) + (earned[1] ?? 0n));
  await dashboard.getByTestId('refund-button').click();
  await expect(dashboard.getByTestId('refund-result')).toBeVisible({ timeout: 30_000 });
  const requestorEnd = await rpc.balance(requestor.address);
  const gas = (await Promise.all(wallet.sent(dashboard).map((hash) => rpc.gasCost(hash)))).reduce(
    (a, b) => a + b,
    0n,
  );
  // Over the whole job the requestor paid exactly what contributors earned, plus gas.
  expect(requestorStart - requestorEnd - gas).toBe(settled);
});

test('a rejected deposit leaves the job waiting for it, with a message and a way to retry', async ({
  gpuContext,
}) => {
  const rpc = chainRpc(rpcUrl);
  const wallet = await installWallet(gpuContext, rpcUrl);
  const page = await gpuContext.newPage();
  const account = wallet.use(page, generatePrivateKey());
  await rpc.fund(account.address, parseEther('1'));
  await page.goto('/jobs');
  await connectWallet(page);
  await page.getByLabel('Width').fill('16');
  await page.getByLabel('Height').fill('16');
  await page.getByLabel('Samples per pixel').fill('2');
  wallet.rejectNext(page);
  await page.getByRole('button', { name: 'Create job and deposit' }).click();
  await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 60_000 });
  await expect(page.getByTestId('deposit-error')).toContainText(/rejected/i);
  await expect(page.getByTestId('payment-state')).toContainText('awaiting deposit');
  await expect(page.getByTestId('job-status')).not.toHaveText('rendering');
  await page.getByTestId('deposit-button').click();
  await expect(page.getByTestId('payment-state')).toContainText('funded', { timeout: 30_000 });

  // Funded at the second try, the job renders to the end (and leaves no work behind for later tests).
  for (let i = 0; i < 2; i++) {
    const contributor = await gpuContext.newPage();
    await contributor.goto('/contribute');
    await expect(contributor.getByTestId('adapter')).toContainText(/\S/);
    await giveConsent(contributor);
    await contributor.getByRole('button', { name: 'Start' }).click();
  }
  await expect(page.getByTestId('job-status')).toHaveText('done', { timeout: 120_000 });
});
