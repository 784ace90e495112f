import { type Hex, parseEther } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import type { ChainInfo, ClaimsView } from '../lib/protocol/api-types';
import { formatEther } from '../lib/settlement/pricing';
import { expect, giveConsent, test } from './fixtures';
import { chainRpc, connectWallet, installWallet } from './wallet';

// "Claim without gas" as a volunteer with an empty wallet meets it: the contributor binds a payout address
// by signing (free), renders a paid job, and once the settlement is final claims on the claims page without
// a wei of its own: its wallet signs the RelayedClaim, the coordinator's relayer (npm start's local relayer
// key) sends it, and the contributor ends up with exactly the claim minus the fee.

const rpcUrl = process.env.E2E_RPC_URL as string;

test('a contributor with 0 ETH claims without gas and is paid the claim minus the fee', async ({
  gpuContext,
}, testInfo) => {
  const rpc = chainRpc(rpcUrl);
  const wallet = await installWallet(gpuContext, rpcUrl);
  const chain = (await (await gpuContext.request.get('/api/chain')).json()) as ChainInfo;
  if (!chain.enabled) throw new Error(`payments are off in the e2e server: ${chain.reason}`);

  // The contributor: a fresh key that never holds any ether.
  const contributor = await gpuContext.newPage();
  const account = wallet.use(contributor, generatePrivateKey());
  expect(await rpc.balance(account.address)).toBe(0n);
  await contributor.goto('/contribute');
  await expect(contributor.getByTestId('adapter')).toContainText(/\S/);
  await connectWallet(contributor);
  await contributor.getByTestId('sign-payout-button').click();
  await expect(contributor.getByTestId('payout-address')).toContainText(account.address.slice(0, 6));
  await giveConsent(contributor);
  await contributor.getByRole('button', { name: 'Start' }).click();
  // A second tab checks the first one's units (it has no payout address: its credit pays nobody).
  const checker = await gpuContext.newPage();
  await checker.goto('/contribute');
  await expect(checker.getByTestId('adapter')).toContainText(/\S/);
  await giveConsent(checker);
  await checker.getByRole('button', { name: 'Start' }).click();

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
  await dashboard.getByRole('button', { name: 'Create job and deposit' }).click();
  await dashboard.waitForURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 60_000 });
  const jobId = dashboard.url().split('/').pop() as string;
  await expect(dashboard.getByTestId('job-status')).toHaveText('done', { timeout: 180_000 });

  // What the contributor's verified work earned; the settlement paying it is final once its challenge
  // window passes (the test moves the chain's clock). The checker's credit has no address, so the job stays
  // open for it: only the contributor's claim matters here.
  const claimsOf = async () =>
    (await (await dashboard.request.get(`/api/claims/${account.address}`)).json()) as ClaimsView;
  const price = BigInt(chain.priceWeiPerPixelSample);
  const earned = BigInt((await claimsOf()).jobs.find((j) => j.jobId === jobId)?.pixelSamples ?? 0) * price;
  expect(earned).toBeGreaterThan(0n);
  await expect
    .poll(
      async () => {
        await rpc.advance(chain.challengeWindowSeconds + 1);
        return (await claimsOf()).claimableWei;
      },
      { timeout: 90_000, intervals: [2_000] },
    )
    .toBe(earned.toString());
  const view = await claimsOf();
  const claimable = BigInt(view.claimableWei);
  expect(claimable).toBeGreaterThan(0n);
  if (!view.relay?.available) throw new Error(`no relay offered: ${JSON.stringify(view.relay)}`);
  const fee = BigInt(view.relay.feeWei);
  expect(fee).toBe((claimable * BigInt(view.relay.feeBps)) / 10_000n);
  const relayer = view.relay.relayer;

  await contributor.goto('/claims');
  const relayButton = contributor.getByTestId('relay-button');
  await expect(relayButton).toHaveText(`Claim without gas (fee ${formatEther(fee)})`, { timeout: 30_000 });
  await expect(contributor.getByTestId('relay-hint')).toContainText('no ETH for gas');

  // Declining the signature sends nothing and says so.
  wallet.rejectNext(contributor);
  await relayButton.click();
  await expect(contributor.getByTestId('relay-error')).toContainText('nothing was signed');

  // The coordinator refuses a request whose fee is not the one signed, in words, with what to do next
  // (the page's request is altered on its way to the real server).
  await contributor.route('**/relay', async (route) => {
    const body = JSON.parse(route.request().postData() ?? '{}') as { feeWei: string };
    await route.continue({ postData: JSON.stringify({ ...body, feeWei: String(BigInt(body.feeWei) - 1n) }) });
  });
  await relayButton.click();
  const refusal = contributor.getByTestId('relay-error');
  await expect(refusal).toContainText('The signature is not this address’s RelayedClaim');
  await expect(refusal).toContainText('Sign the claim with the wallet of this address');
  await contributor.unroute('**/relay');
  expect(await rpc.balance(account.address)).toBe(0n);

  const relayerBefore = await rpc.balance(relayer);
  await relayButton.click();
  const result = contributor.getByTestId('claim-result');
  await expect(result).toBeVisible({ timeout: 30_000 });
  await expect(contributor.getByTestId('claim-received')).toHaveText(formatEther(claimable - fee));
  await expect(result).toContainText(`the relayer kept ${formatEther(fee)}`);
  // Paid exactly the claim minus the fee, having sent no transaction and paid no gas.
  expect(await rpc.balance(account.address)).toBe(claimable - fee);
  expect(wallet.sent(contributor)).toEqual([]);
  // The relayer paid the gas out of the fee.
  const txHash = (await contributor.getByTestId('claim-tx').getAttribute('title')) as Hex;
  expect((await rpc.balance(relayer)) - relayerBefore).toBe(fee - (await rpc.gasCost(txHash)));
  await expect(contributor.getByTestId('claims-claimable')).toHaveText(/^0 ETH/);
  await expect(relayButton).toHaveCount(0);
  expect((await claimsOf()).claimedWei).toBe(claimable.toString());
  await testInfo.attach('claims page after a claim without gas', {
    body: await contributor.screenshot({ fullPage: true }),
    contentType: 'image/png',
  });
});
