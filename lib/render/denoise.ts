/**
 * The requestor's denoised preview: an edge-aware à-trous filter on the GPU (shaders/denoise.wgsl), steered
 * by first-hit albedo, normal and distance guides (shaders/guides.wgsl, PathTracer.renderGuides). It runs
 * where the requestor looks at the image (their browser) and only ever produces a preview and a download
 * labelled as denoised: its output never reaches the coordinator, a unit's result or verification, which
 * all work on the unfiltered sums.
 */
import type { RenderTask } from '../protocol/render-task';
import { CHANNEL, RESULT_CHANNELS } from '../protocol/result-layout';
import { GUIDE_CHANNELS } from './path-tracer';
import { denoiseShader } from './shaders';

/** Filter iterations; the step doubles each time (1, 2, 4, 8, 16): a 61-pixel-wide footprint at the end. */
export const DENOISE_ITERATIONS = 5;
/** Camera samples the guides average: enough to antialias edges like the image, cheap (no bounces). */
export const GUIDE_SAMPLES = 16;
/** Rec. 709 luminance, as in shaders/common.wgsl. */
const LUMINANCE = [0.2126, 0.7152, 0.0722] as const;
const WORKGROUP = { x: 8, y: 8 } as const;

/** What the filter works on: per pixel, 4 float32 (mean r, g, b; variance of the mean's luminance). */
export interface DenoiseInput {
  width: number;
  height: number;
  /** 4 floats per pixel, from `noisyFromSums`; a negative variance marks a pixel with no samples. */
  noisy: Float32Array;
  /** GUIDE_CHANNELS floats per pixel (PathTracer.renderGuides). */
  guides: Float32Array;
}

/**
 * Mean radiance and the variance of its luminance per pixel from accumulated sums (RESULT_CHANNELS per
 * pixel). The variance is what the filter's luminance weight scales with: a pixel the farm has given more
 * samples is trusted more. A pixel without samples gets variance -1 (no weight); with one sample, whose
 * spread is unknown, its squared luminance stands in for it.
 */
export function noisyFromSums(sums: ArrayLike<number>, pixelCount: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(pixelCount * 4);
  for (let p = 0; p < pixelCount; p++) {
    const base = p * RESULT_CHANNELS;
    const n = sums[base + CHANNEL.count] as number;
    if (!(n > 0)) {
      out[p * 4 + 3] = -1;
      continue;
    }
    const r = (sums[base + CHANNEL.r] as number) / n;
    const g = (sums[base + CHANNEL.g] as number) / n;
    const b = (sums[base + CHANNEL.b] as number) / n;
    const lum = LUMINANCE[0] * r + LUMINANCE[1] * g + LUMINANCE[2] * b;
    const meanSq = (sums[base + CHANNEL.luminanceSq] as number) / n;
    const sampleVariance = n > 1 ? (Math.max(0, meanSq - lum * lum) * n) / (n - 1) : meanSq;
    out.set([r, g, b, sampleVariance / n], p * 4);
  }
  return out;
}

/**
 * A filtered image (4 floats per pixel) as sums with one sample per rendered pixel, so that the preview's
 * tone mapping and the PFM writer take it as they take the farm's sums. Unrendered pixels stay empty.
 */
export function denoisedToSums(denoised: Float32Array, pixelCount: number): Float32Array<ArrayBuffer> {
  const sums = new Float32Array(pixelCount * RESULT_CHANNELS);
  for (let p = 0; p < pixelCount; p++) {
    if ((denoised[p * 4 + 3] as number) < 0) continue;
    const r = denoised[p * 4] as number;
    const g = denoised[p * 4 + 1] as number;
    const b = denoised[p * 4 + 2] as number;
    const lum = LUMINANCE[0] * r + LUMINANCE[1] * g + LUMINANCE[2] * b;
    sums.set([r, g, b, lum * lum, 1], p * RESULT_CHANNELS);
  }
  return sums;
}

/** The filter's three kernels, compiled once per device. */
export class Denoiser {
  private constructor(
    private readonly device: GPUDevice,
    private readonly layout: GPUBindGroupLayout,
    private readonly pipelines: Record<'demodulate' | 'atrous' | 'remodulate', GPUComputePipeline>,
  ) {}

  static async create(device: GPUDevice): Promise<Denoiser> {
    const module = device.createShaderModule({ label: 'Denoise.module', code: denoiseShader() });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      throw new Error(
        `denoise shader failed to compile: ${errors.map((e) => `${e.lineNum}: ${e.message}`).join('; ')}`,
      );
    }
    const entry = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type },
    });
    const layout = device.createBindGroupLayout({
      label: 'Denoise.bindGroupLayout',
      entries: [
        entry(0, 'uniform'),
        entry(1, 'read-only-storage'),
        entry(2, 'read-only-storage'),
        entry(3, 'storage'),
      ],
    });
    const pipelineLayout = device.createPipelineLayout({
      label: 'Denoise.pipelineLayout',
      bindGroupLayouts: [layout],
    });
    const make = (entryPoint: string) =>
      device.createComputePipelineAsync({
        label: `Denoise.${entryPoint}`,
        layout: pipelineLayout,
        compute: { module, entryPoint, constants: { WORKGROUP_X: WORKGROUP.x, WORKGROUP_Y: WORKGROUP.y } },
      });
    const [demodulate, atrous, remodulate] = await Promise.all([
      make('demodulate'),
      make('atrous'),
      make('remodulate'),
    ]);
    return new Denoiser(device, layout, { demodulate, atrous, remodulate });
  }

  /** The denoised image: 4 floats per pixel (r, g, b; a negative last value where nothing was rendered). */
  async denoise(input: DenoiseInput): Promise<Float32Array<ArrayBuffer>> {
    const { device } = this;
    const { width, height } = input;
    const pixels = width * height;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new Error(`Cannot denoise a ${width}x${height} image.`);
    }
    if (input.noisy.length !== pixels * 4 || input.guides.length !== pixels * GUIDE_CHANNELS) {
      throw new Error('The noisy image and the guide buffers do not match the image size.');
    }
    const bytes = pixels * 16;
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    if (pixels * GUIDE_CHANNELS * 4 > limit) {
      throw new Error(`A ${width}x${height} image is too large to denoise on this GPU.`);
    }
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    const buffer = (label: string, size: number, usage: number) =>
      device.createBuffer({ label: `Denoise.${label}`, size, usage });
    const guides = buffer('guides', pixels * GUIDE_CHANNELS * 4, storage);
    const ping: GPUBuffer[] = [buffer('ping', bytes, storage), buffer('pong', bytes, storage)];
    const pingPong = (i: number) => ping[i % 2] as GPUBuffer;
    const noisy = buffer('noisy', bytes, storage);
    const readback = buffer('readback', bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    // One uniform per pass (the step differs): 256-byte slots, the largest uniform offset alignment.
    const passes = DENOISE_ITERATIONS + 2;
    const uniforms = buffer('params', passes * 256, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    try {
      device.queue.writeBuffer(guides, 0, input.guides as Float32Array<ArrayBuffer>);
      device.queue.writeBuffer(noisy, 0, input.noisy as Float32Array<ArrayBuffer>);
      const words = new Uint32Array(passes * 64);
      for (let i = 0; i < passes; i++) {
        words.set([width, height, 2 ** Math.max(0, i - 1), 0], i * 64);
      }
      device.queue.writeBuffer(uniforms, 0, words);

      const encoder = device.createCommandEncoder({ label: 'Denoise.encoder' });
      const groups = [Math.ceil(width / WORKGROUP.x), Math.ceil(height / WORKGROUP.y)] as const;
      const run = (pass: number, kind: keyof Denoiser['pipelines'], from: GPUBuffer, to: GPUBuffer) => {
        const bindGroup = device.createBindGroup({
          label: `Denoise.bindGroup.${pass}`,
          layout: this.layout,
          entries: [
            { binding: 0, resource: { buffer: uniforms, offset: pass * 256, size: 16 } },
            { binding: 1, resource: { buffer: guides } },
            { binding: 2, resource: { buffer: from } },
            { binding: 3, resource: { buffer: to } },
          ],
        });
        const compute = encoder.beginComputePass({ label: `Denoise.${kind}.${pass}` });
        compute.setPipeline(this.pipelines[kind]);
        compute.setBindGroup(0, bindGroup);
        compute.dispatchWorkgroups(groups[0], groups[1]);
        compute.end();
      };
      run(0, 'demodulate', noisy, pingPong(0));
      for (let i = 0; i < DENOISE_ITERATIONS; i++) run(i + 1, 'atrous', pingPong(i), pingPong(i + 1));
      const filtered = pingPong(DENOISE_ITERATIONS);
      run(passes - 1, 'remodulate', filtered, noisy);
      encoder.copyBufferToBuffer(noisy, 0, readback, 0, bytes);
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const out = new Float32Array(readback.getMappedRange().slice(0));
      readback.unmap();
      return out;
    } finally {
      for (const b of [guides, ...ping, noisy, readback, uniforms]) b.destroy();
    }
  }
}

/** The job settings the guides depend on: the scene, its camera and light, and the sample seed. */
export type DenoiseJob = Pick<
  RenderTask,
  'sceneHash' | 'environment' | 'width' | 'height' | 'seed' | 'maxBounces'
>;

/**
 * The guide task of a job: its whole image over its first GUIDE_SAMPLES camera samples, so that the guides'
 * primary rays are exactly those of the image's first samples.
 */
export function guideTask(job: DenoiseJob): RenderTask {
  return {
    sceneHash: job.sceneHash,
    environment: job.environment,
    width: job.width,
    height: job.height,
    seed: job.seed,
    maxBounces: job.maxBounces,
    region: { x: 0, y: 0, width: job.width, height: job.height },
    sampleStart: 0,
    sampleEnd: GUIDE_SAMPLES,
  };
}

/**
 * The coordinator's accumulation download (/api/jobs/:id/accumulation: float64 LE, RESULT_CHANNELS per
 * pixel, row-major) as float32 sums. Refuses a body of the wrong length rather than misreading it.
 */
export function sumsFromAccumulation(
  bytes: ArrayBuffer,
  width: number,
  height: number,
): Float32Array<ArrayBuffer> {
  const expected = width * height * RESULT_CHANNELS * 8;
  if (bytes.byteLength !== expected) {
    throw new Error(
      `The accumulation download has ${bytes.byteLength} bytes, not the ${expected} of a ${width}x${height} image: reload the page.`,
    );
  }
  return Float32Array.from(new Float64Array(bytes));
}
