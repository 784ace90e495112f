import { describe, expect, it } from 'vitest';
import { fitsLocalRender, LOCAL_LIMITS } from './local-render-params';

describe('fitsLocalRender', () => {
  it('takes images up to the local limits, and no larger', () => {
    const max = LOCAL_LIMITS.maxDimension;
    const spp = LOCAL_LIMITS.maxSamplesPerPixel;
    expect(fitsLocalRender({ width: max, height: max, samplesPerPixel: spp })).toBe(true);
    expect(fitsLocalRender({ width: max + 1, height: 8, samplesPerPixel: 1 })).toBe(false);
    expect(fitsLocalRender({ width: 8, height: max + 1, samplesPerPixel: 1 })).toBe(false);
    expect(fitsLocalRender({ width: 8, height: 8, samplesPerPixel: spp + 1 })).toBe(false);
    expect(fitsLocalRender({ width: Number.NaN, height: 8, samplesPerPixel: 1 })).toBe(false);
  });
});
