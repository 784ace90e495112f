import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderTask } from '../core/render-task';
import { RESULT_CHANNELS } from '../core/result-layout';
import { acquireGpu } from './capability';
import { nodeGpu } from './node-gpu';
import { PathTracer } from './path-tracer';

// The WGSL path tracer on Dawn in Node (SwiftShader on machines without a GPU).
let device: GPUDevice;
let tracer: PathTracer;

beforeAll(async () => {
  const gpu = await acquireGpu(nodeGpu());
  if (!gpu.ok) throw new Error(`${gpu.reason} ${gpu.nextStep}`);
  device = gpu.device;
  tracer = await PathTracer.create(device);
}, 60_000);
afterAll(() => device?.destroy());

const task = (overrides: Partial<RenderTask> = {}): RenderTask => ({
  scene: 'cornell',
  width: 48,
  height: 32,
  seed: 1234,
  maxBounces: 6,
  region: { x: 0, y: 0, width: 48, height: 32 },
  sampleStart: 0,
  sampleEnd: 8,
  ...overrides,
});

describe('PathTracer', () => {
  it('gives bit-identical sums however the samples are split into dispatches', async () => {
    const whole = await tracer.render(task(), { fixedSamplesPerDispatch: 8 });
    const ones = await tracer.render(task(), { fixedSamplesPerDispatch: 1 });
    const threes = await tracer.render(task(), { fixedSamplesPerDispatch: 3 });
    expect(whole.dispatches).toBe(1);
    expect(ones.dispatches).toBe(8);
    expect(Buffer.from(ones.data.buffer).equals(Buffer.from(whole.data.buffer))).toBe(true);
    expect(Buffer.from(threes.data.buffer).equals(Buffer.from(whole.data.buffer))).toBe(true);
  });

  it('renders any sub-region to exactly those pixels of the full render', async () => {
    const full = await tracer.render(task());
    const region = { x: 13, y: 5, width: 9, height: 20 };
    const part = await tracer.render(task({ region }));
    for (let row = 0; row < region.height; row++) {
      const from = ((region.y + row) * 48 + region.x) * RESULT_CHANNELS;
      const expected = full.data.subarray(from, from + region.width * RESULT_CHANNELS);
      const actual = part.data.subarray(
        row * region.width * RESULT_CHANNELS,
        (row + 1) * region.width * RESULT_CHANNELS,
      );
      expect(Buffer.from(actual.slice().buffer).equals(Buffer.from(expected.slice().buffer))).toBe(true);
    }
  });

  it('depends on the seed and counts every sample, with finite non-negative values', async () => {
    const a = await tracer.render(task());
    const b = await tracer.render(task({ seed: 1235 }));
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(false);
    let lit = 0;
    for (let p = 0; p < 48 * 32; p++) {
      const px = a.data.subarray(p * RESULT_CHANNELS, (p + 1) * RESULT_CHANNELS);
      expect(px[4]).toBe(8);
      for (const v of px) expect(Number.isFinite(v) && v >= 0).toBe(true);
      if ((px[0] as number) > 0) lit++;
    }
    // At this 3:2 aspect the camera sees past the box's open sides (black); most pixels see a lit surface.
    expect(lit / (48 * 32)).toBeGreaterThan(0.7);
  });

  it('continues a sample range where another left off: [0,3) + [3,8) sums to [0,8)', async () => {
    const whole = await tracer.render(task());
    const first = await tracer.render(task({ sampleEnd: 3 }));
    const rest = await tracer.render(task({ sampleStart: 3 }));
    for (let i = 0; i < whole.data.length; i++) {
      const sum = (first.data[i] as number) + (rest.data[i] as number);
      expect(Math.abs(sum - (whole.data[i] as number))).toBeLessThanOrEqual(
        1e-4 * Math.max(1, Math.abs(sum)),
      );
    }
  });
});
