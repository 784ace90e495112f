import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { carveUnit, MIN_TIMED_SECONDS, nextSpeed, type TileGrid, UNIT_SIZING, unitBudget } from './carve';

const grid: TileGrid = { width: 256, height: 192, tileSize: 64 }; // 4 x 3 tiles
const tiles = () => new Array<number>(12).fill(0);

describe('unit sizing from the coordinator-measured speed', () => {
  it('gives a newcomer a safe first unit whatever it is', () => {
    expect(unitBudget({ speed: null, lastBudget: null })).toBe(UNIT_SIZING.firstUnit);
  });

  it('aims a known device at a few seconds of its measured speed', () => {
    // A software GPU at 0.05 M pixel-samples/s: 150 k, under the growth cap of its last unit.
    expect(unitBudget({ speed: 50_000, lastBudget: 65_536 })).toBe(150_000);
    // A desktop GPU at 2 G/s whose last unit was already large: 6 G.
    expect(unitBudget({ speed: 2e9, lastBudget: 1e9 })).toBe(6e9);
  });

  it('grows at most GROWTH times per unit, so a fast device ramps up and a bogus measure does little', () => {
    let last = UNIT_SIZING.firstUnit;
    const sizes: number[] = [];
    for (let i = 0; i < 8; i++) {
      last = unitBudget({ speed: 2e9, lastBudget: last });
      sizes.push(last);
    }
    expect(sizes[0]).toBe(UNIT_SIZING.firstUnit * UNIT_SIZING.growth);
    expect(sizes.at(-1)).toBe(6e9);
    for (let i = 1; i < sizes.length; i++)
      expect(sizes[i] as number).toBeLessThanOrEqual((sizes[i - 1] as number) * 8);
  });

  it('times a device by the coordinator clock: a slow device that claims to be fast is measured slow', () => {
    // Leased at t = 0, submitted 10 s later: 500 k pixel-samples in 10 s, whatever the device said.
    const speed = nextSpeed(null, { pixelSamples: 500_000, leasedAt: 0 }, null, 10_000);
    expect(speed).toBe(50_000);
    expect(unitBudget({ speed, lastBudget: 65_536 })).toBe(150_000);
  });

  it('measures a pipelined device by the time between its submissions, not since a unit leased ahead', () => {
    // Unit 2 was leased at t = 1 s while unit 1 rendered; unit 1 was submitted at 2 s, unit 2 at 3 s.
    expect(nextSpeed(null, { pixelSamples: 1e9, leasedAt: 1000 }, 2000, 3000)).toBe(1e9);
    // ...and blends with what it knew.
    expect(nextSpeed(3e9, { pixelSamples: 1e9, leasedAt: 1000 }, 2000, 3000)).toBe(2e9);
  });
});

describe('timing small work', () => {
  it('lets a spot check of a few pixels raise a fast device’s speed but never drag it down', () => {
    // A 2 G/s device renders a 90-pixel check in microseconds; the 0.2 s between submissions is network.
    expect(nextSpeed(2e9, { pixelSamples: 90 * 4096, leasedAt: 0 }, 800, 1000)).toBe(2e9);
    // A unit long enough to time still moves the measure down: the device really slowed down.
    expect(nextSpeed(2e9, { pixelSamples: 2e9, leasedAt: 0 }, 0, 2000)).toBe(1.5e9);
  });
});

describe('sizing that cannot be gamed', () => {
  it('credits no submission with less than a round trip, and moves a known speed at most GROWTH at once', () => {
    // Two units submitted 1 ms apart: timed as MIN_TIMED_SECONDS, not as 1 ms.
    expect(nextSpeed(null, { pixelSamples: 65_536, leasedAt: 0 }, 999, 1000)).toBe(
      65_536 / MIN_TIMED_SECONDS,
    );
    // A burst after a known speed moves it by at most GROWTH (then halves the step by blending).
    expect(nextSpeed(1e5, { pixelSamples: 1e9, leasedAt: 0 }, 999, 1000)).toBe((1e5 + 8e5) / 2);
  });
});

describe('carving a unit from the tiles’ sample frontiers', () => {
  it('never leaves a remainder shorter than the fewest samples a unit may have (replicas need a few)', () => {
    // 5 samples per pixel, a budget of 4 samples of one tile, units of at least 4: one unit of all 5.
    const unit = carveUnit(grid, tiles(), 5, 64 * 64 * 4, 64 * 64, 4);
    expect([unit?.sampleStart, unit?.sampleEnd]).toEqual([0, 5]);
  });

  it('grows in samples first: a small budget gets one tile and the samples it buys', () => {
    const unit = carveUnit(grid, tiles(), 1024, 64 * 64 * 10, 1 << 20);
    expect(unit).toEqual({
      tiles: [0],
      region: { x: 0, y: 0, width: 64, height: 64 },
      sampleStart: 0,
      sampleEnd: 10,
    });
  });

  it('then in pixels: a budget that buys every sample of a tile spans tiles, up to the whole frame', () => {
    const row = carveUnit(grid, tiles(), 16, 64 * 64 * 16 * 3, 1 << 20);
    expect(row).toMatchObject({
      tiles: [0, 1, 2],
      region: { x: 0, y: 0, width: 192, height: 64 },
      sampleEnd: 16,
    });
    const frame = carveUnit(grid, tiles(), 16, 1e12, 1 << 20);
    expect(frame?.region).toEqual({ x: 0, y: 0, width: 256, height: 192 });
    expect(frame?.tiles).toHaveLength(12);
  });

  it('keeps a unit within the pixel bound', () => {
    const unit = carveUnit(grid, tiles(), 16, 1e12, 256 * 64 * 2);
    expect(unit?.region).toEqual({ x: 0, y: 0, width: 256, height: 128 });
  });

  it('keeps small units on the tile small units already nibble, so fresh tiles stay whole for big ones', () => {
    const f = tiles();
    f[5] = 30;
    expect(carveUnit(grid, f, 1024, 64 * 64 * 10, 1 << 20)).toMatchObject({
      tiles: [5],
      sampleStart: 30,
      sampleEnd: 40,
    });
  });

  it('answers null once every sample of every tile is planned', () => {
    expect(carveUnit(grid, new Array(12).fill(64), 64, 1e9, 1 << 20)).toBeNull();
  });

  it('covers every pixel’s samples [0, spp) exactly once, whatever budgets devices bring', () => {
    fc.assert(
      fc.property(
        fc.record({
          width: fc.integer({ min: 8, max: 300 }),
          height: fc.integer({ min: 8, max: 300 }),
          tileSize: fc.integer({ min: 8, max: 96 }),
          spp: fc.integer({ min: 1, max: 300 }),
          budgets: fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 1, maxLength: 20 }),
        }),
        ({ width, height, tileSize, spp, budgets }) => {
          const g = { width, height, tileSize };
          const count = Math.ceil(width / tileSize) * Math.ceil(height / tileSize);
          const frontiers = new Array<number>(count).fill(0);
          const samples = new Uint32Array(width * height);
          // Every unit plans at least one sample of one tile, so the carving must end (null) within
          // count x spp units; ending by the cap instead is a failure, not a shorter run.
          let finished = false;
          for (let n = 0; n <= count * spp; n++) {
            const unit = carveUnit(g, frontiers, spp, budgets[n % budgets.length] as number, 64 * 64 * 4);
            if (!unit) {
              finished = true;
              break;
            }
            expect(unit.sampleEnd).toBeGreaterThan(unit.sampleStart);
            expect(unit.region.width * unit.region.height).toBeLessThanOrEqual(
              Math.max(64 * 64 * 4, tileSize ** 2),
            );
            for (const t of unit.tiles) {
              expect(frontiers[t]).toBe(unit.sampleStart);
              frontiers[t] = unit.sampleEnd;
            }
            const { x, y, width: w, height: h } = unit.region;
            for (let j = y; j < y + h; j++)
              for (let i = x; i < x + w; i++)
                samples[j * width + i] = (samples[j * width + i] ?? 0) + unit.sampleEnd - unit.sampleStart;
          }
          expect(finished).toBe(true);
          expect(samples.every((s) => s === spp)).toBe(true);
        },
      ),
      // The counterexample CI found when the cap was 100,000 units (one sample of one tile per unit).
      { numRuns: 150, examples: [[{ width: 73, height: 273, tileSize: 8, spp: 286, budgets: [1] }]] },
    );
  });
});
