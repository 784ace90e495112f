import type { Lease } from '../protocol/api-types';
import type { RenderTask } from '../protocol/render-task';
import { CHANNEL, RESULT_CHANNELS } from '../protocol/result-layout';
import { mulberry32 } from './mulberry32';

/**
 * Contributor behaviours for the adversarial simulation (`npm run sim:adversarial`) and the verification
 * tests: honest work and every cheat docs/design.md lists. A strategy turns a lease into the bytes it submits,
 * given an honest renderer it may or may not use. `bad` says whether this particular submission is a cheat,
 * so the simulation can score the coordinator's verdicts.
 */
export type StrategyId =
  | 'honest'
  | 'noise'
  | 'black'
  | 'constant'
  | 'lazy-half'
  | 'lazy-quarter'
  | 'partial-5'
  | 'partial-20'
  | 'replay'
  | 'copy'
  | 'biased-scale'
  | 'biased-blur'
  | 'checker-always-pass'
  | 'checker-always-fail'
  | 'colluding';

export const STRATEGIES: readonly StrategyId[] = [
  'honest',
  'noise',
  'black',
  'constant',
  'lazy-half',
  'lazy-quarter',
  'partial-5',
  'partial-20',
  'replay',
  'copy',
  'biased-scale',
  'biased-blur',
  'checker-always-pass',
  'checker-always-fail',
  'colluding',
];

/** Strategies that cheat on checks only, and render their own units honestly. */
export const CHECK_CHEATS: readonly StrategyId[] = ['checker-always-pass', 'checker-always-fail'];

/** Strategies whose every unit (but replay's first) is a cheat, and that render checks honestly. */
export const UNIT_CHEATS: readonly StrategyId[] = STRATEGIES.filter(
  (s) => s !== 'honest' && s !== 'colluding' && !CHECK_CHEATS.includes(s),
);

/** Renders a task honestly: RESULT_CHANNELS float32 per pixel of its region or pixel list. */
export type HonestRenderer = (task: RenderTask) => Promise<Float32Array>;

/**
 * What cheaters share. `cartel`: results that cheating members submitted, by unit id, so a colluding checker
 * who is handed a check of a partner's unit can answer with the partner's values at those pixels.
 * `pool`: honest results seen recently, for copying.
 */
export interface Conspiracy {
  cartel: Map<number, { task: RenderTask; data: Float32Array }>;
  pool: Map<string, Float32Array[]>;
}

export function createConspiracy(): Conspiracy {
  return { cartel: new Map(), pool: new Map() };
}

export interface Submission {
  data: Float32Array;
  /** True when these bytes are not an honest render of the lease. */
  bad: boolean;
  isCheck: boolean;
}

function pixelCount(task: RenderTask): number {
  return task.pixels ? task.pixels.length : task.region.width * task.region.height;
}

function samplesOf(task: RenderTask): number {
  return task.sampleEnd - task.sampleStart;
}

/** A result whose counts are right and whose radiance comes from `value(pixel)`. */
function fabricated(task: RenderTask, value: (p: number) => [number, number, number]): Float32Array {
  const n = pixelCount(task);
  const samples = samplesOf(task);
  const out = new Float32Array(n * RESULT_CHANNELS);
  for (let p = 0; p < n; p++) {
    const [r, g, b] = value(p);
    const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    out.set([r * samples, g * samples, b * samples, lum * lum * samples, samples], p * RESULT_CHANNELS);
  }
  return out;
}

function poolKey(task: RenderTask): string {
  return `${pixelCount(task)}x${samplesOf(task)}`;
}

/** The submitted values of a cartel unit at a check's pixels, if the cartel holds that unit. */
function cartelAnswer(conspiracy: Conspiracy, lease: Lease): Float32Array | null {
  const entry = conspiracy.cartel.get(lease.unitId);
  const pixels = lease.task.pixels;
  if (!entry || !pixels || entry.task.sampleStart !== lease.task.sampleStart) return null;
  const { region } = entry.task;
  const out = new Float32Array(pixels.length * RESULT_CHANNELS);
  pixels.forEach((pixel, i) => {
    const x = (pixel % lease.task.width) - region.x;
    const y = Math.floor(pixel / lease.task.width) - region.y;
    const offset = (y * region.width + x) * RESULT_CHANNELS;
    out.set(entry.data.subarray(offset, offset + RESULT_CHANNELS), i * RESULT_CHANNELS);
  });
  return out;
}

/**
 * One simulated contributor. `member` puts it in the conspiracy: its bad submissions join the cartel, and as a
 * checker it vouches for cartel units.
 */
export function createStrategy(
  id: StrategyId,
  render: HonestRenderer,
  conspiracy: Conspiracy,
  seed: number,
): (lease: Lease) => Promise<Submission> {
  const random = mulberry32(seed);
  let firstResult: Float32Array | null = null;
  let unitsSubmitted = 0;

  const cheatsOnUnits = id !== 'honest' && !CHECK_CHEATS.includes(id);
  const vouchesForCartel = id === 'checker-always-pass' || id === 'colluding';

  async function cheat(task: RenderTask): Promise<Float32Array> {
    const samples = samplesOf(task);
    switch (id) {
      case 'noise':
        return fabricated(task, () => [random() * 2, random() * 2, random() * 2]);
      case 'black':
        return fabricated(task, () => [0, 0, 0]);
      case 'constant':
        return fabricated(task, () => [0.5, 0.45, 0.4]);
      case 'lazy-half':
      case 'lazy-quarter': {
        // Renders a fraction of the samples and scales the sums up to look complete.
        const share = id === 'lazy-half' ? 2 : 4;
        const rendered = Math.max(1, Math.floor(samples / share));
        const partial = await render({ ...task, sampleEnd: task.sampleStart + rendered });
        const scale = samples / rendered;
        for (let i = 0; i < partial.length; i++) {
          partial[i] = i % RESULT_CHANNELS === CHANNEL.count ? samples : (partial[i] as number) * scale;
        }
        return partial;
      }
      case 'partial-5':
      case 'partial-20': {
        // Honest render, then a share of the pixels replaced by their neighbour's values: plausible, cheap.
        const share = id === 'partial-5' ? 0.05 : 0.2;
        const honest = await render(task);
        const n = pixelCount(task);
        for (let p = 0; p < n; p++) {
          if (random() >= share) continue;
          const from = (p + 1) % n;
          for (let c = 0; c < CHANNEL.count; c++) {
            honest[p * RESULT_CHANNELS + c] = (honest[from * RESULT_CHANNELS + c] as number) * 0.97 + 0.01;
          }
        }
        return honest;
      }
      case 'replay': {
        // The first result, rendered once, sent again for every later unit of the same size.
        if (firstResult && firstResult.length === pixelCount(task) * RESULT_CHANNELS) {
          const replayed = firstResult.slice();
          for (let p = 0; p < pixelCount(task); p++) replayed[p * RESULT_CHANNELS + CHANNEL.count] = samples;
          return replayed;
        }
        firstResult = await render(task);
        return firstResult.slice();
      }
      case 'copy': {
        const others = conspiracy.pool.get(poolKey(task));
        const copied = others?.[Math.floor(random() * others.length)];
        return copied ? copied.slice() : fabricated(task, () => [0.2, 0.2, 0.2]);
      }
      case 'biased-scale': {
        const honest = await render(task);
        for (let i = 0; i < honest.length; i++) {
          const c = i % RESULT_CHANNELS;
          if (c === CHANNEL.luminanceSq) honest[i] = (honest[i] as number) * 0.81;
          else if (c !== CHANNEL.count) honest[i] = (honest[i] as number) * 0.9;
        }
        return honest;
      }
      case 'biased-blur': {
        const honest = await render(task);
        const { width, height } = task.region;
        const out = honest.slice();
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            for (let c = 0; c < CHANNEL.count; c++) {
              let sum = 0;
              let n = 0;
              for (let dy = -1; dy <= 1; dy++) {
                for (let dx = -1; dx <= 1; dx++) {
                  const xx = x + dx;
                  const yy = y + dy;
                  if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
                  sum += honest[(yy * width + xx) * RESULT_CHANNELS + c] as number;
                  n++;
                }
              }
              out[(y * width + x) * RESULT_CHANNELS + c] = sum / n;
            }
          }
        }
        return out;
      }
      case 'colluding':
        // The pair fakes a fifth of each unit's pixels, as partial-20 does, and vouches for each other.
        return fabricatedPartial(await render(task));
      default:
        return render(task);
    }
  }

  function fabricatedPartial(honest: Float32Array): Float32Array {
    for (let p = 0; p < honest.length / RESULT_CHANNELS; p++) {
      if (random() >= 0.2) continue;
      for (let c = 0; c < CHANNEL.count; c++) honest[p * RESULT_CHANNELS + c] = 0;
    }
    return honest;
  }

  return async (lease) => {
    const { task } = lease;
    if (task.pixels) {
      // A spot check.
      if (vouchesForCartel) {
        const answer = cartelAnswer(conspiracy, lease);
        if (answer) return { data: answer, bad: true, isCheck: true };
      }
      if (id === 'checker-always-fail') {
        return { data: fabricated(task, () => [random(), random(), random()]), bad: true, isCheck: true };
      }
      // Everyone else renders checks honestly: a check is small, and faking one only risks being caught.
      return { data: await render(task), bad: false, isCheck: true };
    }
    if (!cheatsOnUnits) {
      const data = await render(task);
      const list = conspiracy.pool.get(poolKey(task)) ?? [];
      list.push(data.slice());
      if (list.length > 8) list.shift();
      conspiracy.pool.set(poolKey(task), list);
      return { data, bad: false, isCheck: false };
    }
    const data = await cheat(task);
    // The replay strategy's first unit is honest work: only what it replays later is a cheat.
    const bad = !(id === 'replay' && unitsSubmitted === 0);
    unitsSubmitted++;
    if (bad) conspiracy.cartel.set(lease.unitId, { task, data: data.slice() });
    return { data, bad, isCheck: false };
  };
}
