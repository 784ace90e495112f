/**
 * Runs Lumengrid's path tracer for the benchmark: the same `PathTracer` the render worker and the Node
 * provider use, on whatever GPUDevice it is given (Dawn in Node, WebGPU in a Chromium worker), so both sides
 * of the benchmark time exactly the same host code and kernel.
 */
import type { BuiltInSceneId } from '../../lib/protocol/job-spec';
import { DEFAULT_ENVIRONMENT, type Environment, type RenderTask } from '../../lib/protocol/render-task';
import { CHANNEL, RESULT_CHANNELS } from '../../lib/protocol/result-layout';
import { PathTracer } from '../../lib/render/path-tracer';
import { DEMO_SCENES } from '../../lib/scene/demo-scenes';
import { packScene } from '../../lib/scene/pack-scene';
import { loadAssetForOurs, type OursAsset } from '../bench-fidelity/ours-asset';
import {
  type Checkpoint,
  floatsToBase64,
  type RunReport,
  type RunRequest,
  type SceneRequest,
} from './protocol';

/**
 * The environments jobs on the built-in scenes get (lib/work/scene-store.ts, which is server code and not
 * importable here): the boxes are lit by their own emitters only, the showcase by the default sky.
 */
export const BENCH_ENVIRONMENTS: Record<BuiltInSceneId, Environment> = {
  cornell: { type: 'uniform', radiance: [0, 0, 0] },
  dense: { type: 'uniform', radiance: [0, 0, 0] },
  showcase: DEFAULT_ENVIRONMENT,
};

export class OursRunner {
  private tracer: PathTracer | null = null;
  /** The glTF assets loaded so far (their scene keys and environments), by name. */
  private readonly assets = new Map<string, OursAsset>();

  constructor(
    private readonly device: GPUDevice,
    private readonly deviceLabel: string,
  ) {}

  /**
   * Renders `request` and reports setup, compile, warm-up and checkpoint times. Each checkpoint segment is
   * one task over its sample range, exactly as a contributor renders a unit; because the random stream is a
   * function of the sample index, the segments add up to the same image as one long task would.
   */
  async run(request: RunRequest, onProgress?: (samplesDone: number) => void): Promise<RunReport> {
    let compileMs = 0;
    if (!this.tracer) {
      const began = performance.now();
      this.tracer = await PathTracer.create(this.device);
      compileMs = performance.now() - began;
    }
    const tracer = this.tracer;

    const setupBegan = performance.now();
    const { hash, environment, notes } = await this.prepare(tracer, request.scene);
    const setupMs = performance.now() - setupBegan;

    const { width, height } = request;
    const task = (sampleStart: number, sampleEnd: number): RenderTask => ({
      sceneHash: hash,
      environment,
      width,
      height,
      seed: request.seed,
      maxBounces: request.maxBounces,
      region: { x: 0, y: 0, width, height },
      sampleStart,
      sampleEnd,
    });

    // The warm-up uses sample indices past every checkpoint, so that it never repeats a timed sample's
    // path (and cannot correlate with it).
    const last = request.checkpoints[request.checkpoints.length - 1] ?? 0;
    let warmupMs = 0;
    if (request.warmupSpp > 0) {
      const began = performance.now();
      await tracer.render(task(last, last + request.warmupSpp));
      warmupMs = performance.now() - began;
    }

    const sums = new Float64Array(width * height * 3);
    const checkpoints: Checkpoint[] = [];
    let done = 0;
    let ms = 0;
    for (const spp of request.checkpoints) {
      const began = performance.now();
      const output = await tracer.render(task(done, spp), {
        onProgress: onProgress ? (n) => onProgress(done + n) : undefined,
      });
      ms += performance.now() - began;
      addSums(sums, output.data, spp - done);
      done = spp;
      const checkpoint: Checkpoint = { spp, ms };
      if (request.withImages) {
        const image = new Float32Array(sums.length);
        for (let i = 0; i < sums.length; i++) image[i] = (sums[i] as number) / spp;
        checkpoint.image = floatsToBase64(image);
      }
      checkpoints.push(checkpoint);
      if (request.stopAfterMs !== undefined && ms >= request.stopAfterMs) break;
    }
    return { device: this.deviceLabel, setupMs, compileMs, warmupMs, checkpoints, notes };
  }

  /**
   * Loads the scene into the tracer once and says which environment lights it. A built-in scene's name
   * stands in for the content hash (the tracer only uses it as a cache key); an asset's packed scene file
   * comes with its real hash.
   */
  private async prepare(
    tracer: PathTracer,
    scene: SceneRequest,
  ): Promise<{ hash: string; environment: Environment; notes: string[] }> {
    if (typeof scene !== 'string') {
      let asset = this.assets.get(scene.name);
      if (!asset || !tracer.hasScene(asset.hash)) {
        asset = await loadAssetForOurs(tracer, scene);
        this.assets.set(scene.name, asset);
      }
      return asset;
    }
    const hash = `bench:${scene}`;
    if (!tracer.hasScene(hash)) {
      const demo = DEMO_SCENES[scene];
      if (!demo) throw new Error(`unknown built-in scene '${scene}'`);
      tracer.loadScene(hash, packScene(demo.build()));
    }
    return { hash, environment: BENCH_ENVIRONMENTS[scene], notes: [] };
  }
}

/** Adds a task's radiance sums into `sums` (RGB per pixel), checking that every pixel got `samples`. */
function addSums(sums: Float64Array, data: Float32Array, samples: number): void {
  const pixels = sums.length / 3;
  for (let p = 0; p < pixels; p++) {
    const base = p * RESULT_CHANNELS;
    if (data[base + CHANNEL.count] !== samples) {
      throw new Error(`pixel ${p} holds ${data[base + CHANNEL.count]} samples, expected ${samples}`);
    }
    sums[p * 3] = (sums[p * 3] as number) + (data[base + CHANNEL.r] as number);
    sums[p * 3 + 1] = (sums[p * 3 + 1] as number) + (data[base + CHANNEL.g] as number);
    sums[p * 3 + 2] = (sums[p * 3 + 2] as number) + (data[base + CHANNEL.b] as number);
  }
}
