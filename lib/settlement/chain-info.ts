import { chainNaming } from '../chain/known-chains';
import { serverConfig } from '../config/server-config';
import type { CoordinatorContext } from '../coordinator/context';
import type { ChainInfo } from '../protocol/api-types';

/** GET /api/chain: what a wallet needs to deposit and claim on this coordinator's escrow. */
export async function chainInfo(ctx: CoordinatorContext): Promise<ChainInfo> {
  const payments = ctx.payments;
  if (!payments) {
    return {
      enabled: false,
      reason: 'This coordinator runs without a chain: jobs are unpaid and contributions earn credit only.',
    };
  }
  const { escrow } = payments;
  const naming = chainNaming(escrow.chainId);
  return {
    enabled: true,
    chainId: escrow.chainId,
    chainName: naming.name,
    explorer: naming.explorer,
    rpcUrl: payments.publicRpcUrl,
    escrowAddress: escrow.address,
    challengeWindowSeconds: await escrow.challengeWindowSeconds(),
    disputeBondWei: (await escrow.disputeBond()).toString(),
    priceWeiPerPixelSample: payments.priceWeiPerPixelSample.toString(),
    faucet: serverConfig().LUMENGRID_LOCAL_FAUCET === '1' && escrow.chainId === 31337,
  };
}
