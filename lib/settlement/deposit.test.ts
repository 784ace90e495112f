import { describe, expect, it } from 'vitest';
import type { JobPaymentView } from '../protocol/api-types';
import { depositBalance, depositDue, depositExpiresAt } from './deposit';
import { DEPOSIT_LIFETIME_SECONDS } from './pricing';

const payment = (over: Partial<JobPaymentView> = {}): JobPaymentView => ({
  chainJobKey: '0x02',
  chainJobId: '0x01',
  state: 'funded',
  priceWeiPerPixelSample: '1',
  budgetWei: '1000',
  estimateWei: '800',
  depositedWei: '1000',
  requestor: '0x0000000000000000000000000000000000000001',
  settledWei: '300',
  creditedWei: '400',
  expiresAt: 2_000,
  openSettlement: null,
  ...over,
});

describe('depositDue', () => {
  it('is the budget less what the escrow holds (a top-up), never negative, nothing for an unpaid job', () => {
    expect(depositDue({ payment: payment({ depositedWei: '0' }) })).toBe(1000n);
    expect(depositDue({ payment: payment({ depositedWei: '400' }) })).toBe(600n);
    expect(depositDue({ payment: payment({ depositedWei: '1500' }) })).toBe(0n);
    expect(depositDue({ payment: null })).toBe(0n);
    expect(depositDue({})).toBe(0n);
  });
});

describe('depositExpiresAt', () => {
  it('is the deposit lifetime after now, in whole seconds', () => {
    expect(depositExpiresAt(1_700_000_000_999)).toBe(BigInt(1_700_000_000 + DEPOSIT_LIFETIME_SECONDS));
  });
});

describe('depositBalance', () => {
  it('leaves the deposit less what was settled, never negative', () => {
    expect(depositBalance(payment(), 0).unused).toBe(700n);
    expect(depositBalance(payment({ settledWei: '1200' }), 0).unused).toBe(0n);
  });

  it('shows nothing unused while the deposit is awaited', () => {
    const awaiting = depositBalance(payment({ state: 'awaiting-deposit', depositedWei: '400' }), 0);
    expect(awaiting.unused).toBe(100n);
    expect(awaiting.shownUnused).toBe(0n);
    expect(depositBalance(payment(), 0).shownUnused).toBe(700n);
  });

  it('may be refunded once the job is closed or the deposit expired', () => {
    expect(depositBalance(payment(), 1_999)).toMatchObject({ expired: false, refundable: false });
    expect(depositBalance(payment(), 2_000)).toMatchObject({ expired: true, refundable: true });
    expect(depositBalance(payment({ state: 'closed' }), 0)).toMatchObject({
      expired: false,
      refundable: true,
    });
    expect(depositBalance(payment({ expiresAt: null }), 1e12)).toMatchObject({
      expired: false,
      refundable: false,
    });
  });

  it('offers a refund action only for a made deposit not yet refunded', () => {
    expect(depositBalance(payment({ state: 'awaiting-deposit' }), 0).refundOffered).toBe(false);
    expect(depositBalance(payment({ state: 'refunded' }), 0).refundOffered).toBe(false);
    for (const state of ['funded', 'closed', 'held'] as const) {
      expect(depositBalance(payment({ state }), 0).refundOffered).toBe(true);
    }
  });
});
