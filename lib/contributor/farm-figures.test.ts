import { describe, expect, it } from 'vitest';
import { farmFigures } from './farm-figures';

describe('farmFigures', () => {
  it('counts jobs rendering, their units to go, jobs done and pixel-samples traced', () => {
    const figures = farmFigures([
      { status: 'rendering', unitsDone: 3, unitsTotal: 16, pixelSamplesDone: 100 },
      { status: 'rendering', unitsDone: 0, unitsTotal: 4, pixelSamplesDone: 0 },
      { status: 'awaiting-deposit', unitsDone: 0, unitsTotal: 8, pixelSamplesDone: 0 },
      { status: 'done', unitsDone: 8, unitsTotal: 8, pixelSamplesDone: 4096 },
    ]);
    expect(figures).toEqual({ rendering: 2, unitsToGo: 17, done: 1, pixelSamples: 4196 });
  });

  it('is all zeros for an empty farm', () => {
    expect(farmFigures([])).toEqual({ rendering: 0, unitsToGo: 0, done: 0, pixelSamples: 0 });
  });
});
