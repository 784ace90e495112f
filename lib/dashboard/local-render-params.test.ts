import { describe, expect, it } from 'vitest';
import type { Environment } from '../protocol/render-task';
import {
  fitsLocalRender,
  LOCAL_LIMITS,
  localRenderEnvironment,
  localRenderHref,
  localRenderTask,
  parseLocalRenderParams,
} from './local-render-params';

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

describe('/render parameters: maps, lens, filter', () => {
  const scene: { hash: string; defaultEnvironment: Environment } = {
    hash: 'h'.repeat(64),
    defaultEnvironment: { type: 'uniform', radiance: [0, 0, 0] },
  };

  it('parses a built-in map with placement, a lens and the filter into the task', async () => {
    const parsed = parseLocalRenderParams({
      env: 'sunset',
      envRotation: '90',
      envIntensity: '2',
      aperture: '0.1',
      focus: '4',
      filter: 'box',
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const resolved: string[] = [];
    const environment = await localRenderEnvironment(parsed.params, scene, async (ref) => {
      resolved.push(ref);
      return 'f'.repeat(64);
    });
    expect(resolved).toEqual(['sunset']);
    expect(environment).toEqual({ type: 'map', hash: 'f'.repeat(64), rotationDegrees: 90, intensity: 2 });
    const task = localRenderTask(parsed.params, scene, environment);
    expect(task.lens).toEqual({ apertureRadius: 0.1, focusDistance: 4 });
    expect(task.pixelFilter).toBe('box');
    expect(localRenderHref(parsed.params)).toContain('envRotation=90');
  });

  it('keeps the defaults out of the URL and refuses values out of bounds with a message', () => {
    const parsed = parseLocalRenderParams({});
    expect(parsed.ok && localRenderTask(parsed.params, scene).lens).toBeUndefined();
    expect(parsed.ok && localRenderHref(parsed.params)).not.toMatch(/aperture|filter|env/);
    const bad = parseLocalRenderParams({ envIntensity: '-1', aperture: '1000', envMap: 'nope' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.join(' ')).toMatch(/envIntensity must be at least 0/);
    expect(bad.errors.join(' ')).toMatch(/aperture must be at most 100/);
    expect(bad.errors.join(' ')).toMatch(/envMap must be the hash/);
  });
});
