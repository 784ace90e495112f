import type { RenderTask } from '../core/render-task';
import { RESULT_CHANNELS } from '../core/result-layout';
import { pathTraceShader } from './shaders';

const WORKGROUP = { x: 8, y: 8 } as const;
/** Params uniform: 48 bytes, laid out as the Params struct in shaders/pathtrace.wgsl. */
const PARAMS_BYTES = 48;

export interface RenderOptions {
  /** Wall time one dispatch should take. GPU watchdogs (2 s on Windows TDR) kill long dispatches. */
  targetDispatchMs?: number;
  /** Samples per pixel in the first dispatch; later ones adapt to targetDispatchMs. */
  initialSamplesPerDispatch?: number;
  /** Fixed samples per dispatch (tests use it to prove that the split does not change the bits). */
  fixedSamplesPerDispatch?: number;
  /** Called after each dispatch with the samples per pixel finished so far. */
  onProgress?: (samplesDone: number) => void;
}

export interface RenderOutput {
  /** RESULT_CHANNELS float32 per region pixel (lib/core/result-layout.ts). */
  data: Float32Array<ArrayBuffer>;
  gpuMs: number;
  dispatches: number;
  /** Samples per dispatch the adaptive sizing settled on: a good start for the next task. */
  samplesPerDispatch: number;
}

/**
 * The WebGPU path tracer host: one compiled pipeline per device, reused across tasks. The same code runs
 * in a browser Web Worker and in Node through Dawn (npm `webgpu`).
 */
export class PathTracer {
  private readonly pipeline: GPUComputePipeline;
  private samplesPerDispatch = 1;

  private constructor(
    private readonly device: GPUDevice,
    pipeline: GPUComputePipeline,
  ) {
    this.pipeline = pipeline;
  }

  static async create(device: GPUDevice): Promise<PathTracer> {
    const module = device.createShaderModule({ label: 'PathTrace.module', code: pathTraceShader() });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      throw new Error(
        `path tracer shader failed to compile: ${errors.map((e) => `${e.lineNum}: ${e.message}`).join('; ')}`,
      );
    }
    const pipeline = await device.createComputePipelineAsync({
      label: 'PathTrace.pipeline',
      layout: 'auto',
      compute: {
        module,
        entryPoint: 'main',
        constants: { WORKGROUP_X: WORKGROUP.x, WORKGROUP_Y: WORKGROUP.y },
      },
    });
    return new PathTracer(device, pipeline);
  }

  async render(task: RenderTask, options: RenderOptions = {}): Promise<RenderOutput> {
    const { device } = this;
    const { region } = task;
    const byteLength = region.width * region.height * RESULT_CHANNELS * 4;
    const targetMs = options.targetDispatchMs ?? 100;

    // Zero-initialised by WebGPU; every dispatch adds its samples onto it.
    const accum = device.createBuffer({
      label: 'PathTrace.accumBuffer',
      size: byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    const readback = device.createBuffer({
      label: 'PathTrace.readbackBuffer',
      size: byteLength,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const params = device.createBuffer({
      label: 'PathTrace.paramsBuffer',
      size: PARAMS_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    const bindGroup = device.createBindGroup({
      label: 'PathTrace.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: accum } },
      ],
    });

    let spd = options.fixedSamplesPerDispatch ?? options.initialSamplesPerDispatch ?? this.samplesPerDispatch;
    let gpuMs = 0;
    let dispatches = 0;
    try {
      for (let start = task.sampleStart; start < task.sampleEnd; ) {
        const count = Math.min(spd, task.sampleEnd - start);
        device.queue.writeBuffer(params, 0, packParams(task, start, count));
        const encoder = device.createCommandEncoder({ label: 'PathTrace.encoder' });
        const pass = encoder.beginComputePass({ label: 'PathTrace.pass' });
        pass.setPipeline(this.pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(
          Math.ceil(region.width / WORKGROUP.x),
          Math.ceil(region.height / WORKGROUP.y),
        );
        pass.end();
        const began = performance.now();
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
        const ms = performance.now() - began;
        gpuMs += ms;
        dispatches++;
        start += count;
        options.onProgress?.(start - task.sampleStart);
        if (options.fixedSamplesPerDispatch === undefined) {
          // Aim the next dispatch at targetMs; damp growth so one fast outlier cannot overshoot the watchdog.
          const perSample = ms / count;
          spd = Math.max(1, Math.min(spd * 2, Math.floor(targetMs / Math.max(perSample, 1e-3))));
        }
      }
      this.samplesPerDispatch = spd;

      const encoder = device.createCommandEncoder({ label: 'PathTrace.readbackEncoder' });
      encoder.copyBufferToBuffer(accum, 0, readback, 0, byteLength);
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const data = new Float32Array(readback.getMappedRange().slice(0));
      readback.unmap();
      return { data, gpuMs, dispatches, samplesPerDispatch: spd };
    } finally {
      accum.destroy();
      readback.destroy();
      params.destroy();
    }
  }
}

function packParams(task: RenderTask, sampleStart: number, sampleCount: number): ArrayBuffer {
  const u = new Uint32Array(PARAMS_BYTES / 4);
  u.set([
    task.width,
    task.height,
    task.region.x,
    task.region.y,
    task.region.width,
    task.region.height,
    sampleStart,
    sampleCount,
    task.seed >>> 0,
    task.maxBounces,
  ]);
  return u.buffer;
}
