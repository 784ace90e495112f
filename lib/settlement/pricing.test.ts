import { describe, expect, it } from 'vitest';
import {
  costOfPlan,
  creditValueWei,
  depositAskedFor,
  formatEther,
  formatPrice,
  jobCost,
  withMinimumDeposit,
} from './pricing';

describe('costOfPlan', () => {
  it('is jobCost with the unit’s pixels from the tile size', () => {
    const plan = { pixelSamples: 256 * 256 * 64, confidence: 0.999, tileSize: 32 };
    expect(costOfPlan(plan, 1_000_000_000n)).toEqual(
      jobCost({
        pixelSamples: plan.pixelSamples,
        confidence: 0.999,
        unitPixels: 32 * 32,
        priceWeiPerPixelSample: 1_000_000_000n,
      }),
    );
  });

  it('asks a deposit of at least the estimate, both above the bare price', () => {
    const cost = costOfPlan({ pixelSamples: 1000, confidence: 0.99, tileSize: 16 }, 7n);
    expect(cost.pixelSamples).toBe(1000n);
    expect(cost.estimateWei).toBeGreaterThan(7000n);
    expect(cost.depositWei).toBeGreaterThanOrEqual(cost.estimateWei);
  });
});

describe('withMinimumDeposit', () => {
  const cost = { pixelSamples: 10n, estimateWei: 80n, depositWei: 100n };
  it('raises the deposit to the coordinator’s figure, never lowers it', () => {
    expect(withMinimumDeposit(cost, 150n)).toEqual({ ...cost, depositWei: 150n });
    expect(withMinimumDeposit(cost, 50n)).toBe(cost);
    expect(withMinimumDeposit(cost, null)).toBe(cost);
  });
});

describe('depositAskedFor', () => {
  it('reads the deposit a refused budget names, as wei', () => {
    expect(depositAskedFor({ budgetWei: '1', depositWei: '12345' })).toBe(12345n);
    expect(depositAskedFor({ depositWei: '-1' })).toBeNull();
    expect(depositAskedFor({ depositWei: 12 })).toBeNull();
    expect(depositAskedFor(null)).toBeNull();
    expect(depositAskedFor(undefined)).toBeNull();
  });
});

describe('creditValueWei and formatPrice', () => {
  it('values pixel-samples at the price', () => {
    expect(creditValueWei(1_000, '1000000000')).toBe(1_000_000_000_000n);
    expect(creditValueWei('3', 2n)).toBe(6n);
  });

  it('shows a tiny price in gwei and a large one in ether', () => {
    expect(formatPrice(1_000_000_000n)).toBe('1 gwei');
    expect(formatPrice(1_500_000n)).toBe('0.0015 gwei');
    expect(formatPrice(10n ** 15n)).toBe(formatEther(10n ** 15n));
  });
});
