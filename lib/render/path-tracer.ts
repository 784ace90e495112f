import {
  DEFAULT_ENVIRONMENT,
  type Environment,
  pixelListProblem,
  type RenderTask,
} from '../protocol/render-task';
import { RESULT_CHANNELS, taskPixelCount } from '../protocol/result-layout';
import {
  BVH_NODE_WORDS,
  LIGHT_WORDS,
  MATERIAL_SLOT_BIT,
  MATERIAL_VERTEX_COLORS,
  MATERIAL_WORDS,
  MAX_INSTANCES,
  NO_TEXTURE,
  type PackedScene,
  type PackedSceneInfo,
  SECTION_NAMES,
  SECTION_RECORD_WORDS,
  type SectionName,
  sectionRecords,
  TEXTURE_SLOT_OFFSET,
  TEXTURE_SLOT_WORDS,
  TEXTURE_SLOTS,
  TEXTURE_WORDS,
  TRIANGLE_WORDS,
} from '../scene/packed-scene';
import type { RadianceImage } from '../scene/radiance-hdr';
import { IDENTITY_TRANSFORM } from '../scene/scene-description';
import { cameraBasis } from './camera';
import { type EnvironmentDistribution, environmentDistribution } from './environment-map';
import {
  buildFrameInstances,
  type FrameInstances,
  type InstancedScene,
  instanceRootBoxes,
  instanceTransformsProblem,
} from './frame-instances';
import { PARAMS_BYTES, paramsWriter } from './params-layout';
import { guideShader, pathTraceShader } from './shaders';

/**
 * Invocations per workgroup (WORKGROUP_X, WORKGROUP_Y overrides in shaders/pathtrace.wgsl). 64 suits
 * GPUs (two 32-wide warps, one 64-wide wavefront); SwiftShader is no faster with other shapes.
 */
export const DEFAULT_WORKGROUP = { x: 8, y: 8 } as const;

export interface PathTracerOptions {
  /** Workgroup shape; x * y must not exceed the device's maxComputeInvocationsPerWorkgroup. */
  workgroup?: { x: number; y: number };
  /** false: every scene through the kernel with all features (KernelFeatures), for tests comparing the two. */
  specialise?: boolean;
}
/** Deepest BVH the kernel's traversal stack holds: BVH_STACK_SIZE in shaders/bvh.wgsl. */
export const BVH_MAX_DEPTH = 64;
/** Scenes kept on the GPU at once. Two lets a contributor alternate between two jobs without re-uploads. */
export const SCENE_CACHE_SIZE = 2;
/** Environment maps kept on the GPU at once, for the same reason. */
export const ENVIRONMENT_MAP_CACHE_SIZE = 2;
/** Floats per pixel of the denoiser's guide buffers: GUIDE_CHANNELS in shaders/guides.wgsl. */
export const GUIDE_CHANNELS = 8;

/**
 * The kernel's storage bindings (shaders/scene-bindings.wgsl) and the sections each holds. `textures` and
 * `texels` share one buffer, and so do `lights` and `punctual`, because WebGPU guarantees only 8 storage
 * buffers per shader stage and the accumulator and the frame's instances take one each.
 */
const SCENE_BINDINGS: ReadonlyArray<{ binding: number; label: string; sections: readonly SectionName[] }> = [
  { binding: 2, label: 'Scene.nodes', sections: ['nodes'] },
  { binding: 3, label: 'Scene.triangles', sections: ['triangles'] },
  { binding: 4, label: 'Scene.shading', sections: ['shading'] },
  { binding: 5, label: 'Scene.materials', sections: ['materials'] },
  { binding: 6, label: 'Scene.textures+texels', sections: ['textures', 'texels'] },
  { binding: 7, label: 'Scene.lights+punctual', sections: ['lights', 'punctual'] },
];
/** The frame's instances (lib/render/frame-instances.ts): built per render from the task's pose. */
const FRAME_BINDING = 8;

export interface RenderOptions {
  /** Wall time one dispatch should take. GPU watchdogs (2 s on Windows TDR) kill long dispatches. */
  targetDispatchMs?: number;
  /** Samples per pixel in the first dispatch; later ones adapt to targetDispatchMs. */
  initialSamplesPerDispatch?: number;
  /** Fixed samples per dispatch (tests use it to prove that the split does not change the bits). */
  fixedSamplesPerDispatch?: number;
  /** Called after each dispatch with the samples per pixel finished so far. */
  onProgress?: (samplesDone: number) => void;
  /**
   * Awaited before each dispatch: a contributor's duty cycle idles here (lib/contributor/duty-cycle.ts), and a
   * render that should stop throws from it (the buffers are freed as for any failure). The bits do not
   * depend on how long it waits.
   */
  beforeDispatch?: () => Promise<void>;
}

export interface RenderOutput {
  /**
   * RESULT_CHANNELS float32 per rendered pixel (lib/protocol/result-layout.ts): row-major over the region, or
   * in list order for a task with a pixel list (RenderTask.pixels).
   */
  data: Float32Array<ArrayBuffer>;
  gpuMs: number;
  dispatches: number;
  /** Samples per dispatch the adaptive sizing settled on: a good start for the next task. */
  samplesPerDispatch: number;
}

/** An environment map's three textures (shaders/environment-map.wgsl). */
interface LoadedEnvironmentMap {
  width: number;
  height: number;
  meanWeight: number;
  textures: [GPUTexture, GPUTexture, GPUTexture];
  renders: number;
  evicted: boolean;
}

/**
 * What a scene needs of the kernel beyond plain opaque, untextured triangles: the path tracer's pipeline is
 * specialised on these (override constants SCENE_PASS_THROUGH, SCENE_TEXTURE_SLOTS, SCENE_VERTEX_COLORS,
 * SCENE_INSTANCED in shaders/scene-bindings.wgsl). Where a feature is absent its code is compiled out:
 * SwiftShader runs the inlined texture, alpha, culling and top-level code of the BVH loops and shading even
 * where every branch skips it (measured: the bench:render scenes ran 2 to 5 times slower until specialised).
 * The code that remains is the same, so a scene renders the same bits either way.
 */
export interface KernelFeatures {
  /** Some triangle may let a ray pass (alphaMode MASK or BLEND, or a single-sided material's back face). */
  passThrough: boolean;
  /** Bit k: some material has texture slot k (base colour, metallic-roughness, normal, emissive). */
  textureSlots: number;
  /** Some material multiplies by COLOR_0. */
  vertexColors: boolean;
  /** The scene has more than one instance (an animation): the two-level walk over a per-frame top level. */
  instanced: boolean;
}

const ALL_FEATURES: KernelFeatures = {
  passThrough: true,
  textureSlots: 15,
  vertexColors: true,
  instanced: true,
};

/** The features a packed scene uses, read from its triangle and material flag words. */
export function kernelFeatures(packed: PackedScene): KernelFeatures {
  const { triangles, materials } = packed.sections;
  let passThrough = false;
  for (let o = 7; o < triangles.length; o += TRIANGLE_WORDS) if (triangles[o] !== 0) passThrough = true;
  let textureSlots = 0;
  let vertexColors = false;
  for (let o = 7; o < materials.length; o += MATERIAL_WORDS) {
    const flags = materials[o] as number;
    textureSlots |= (flags / MATERIAL_SLOT_BIT) & 15;
    if ((flags & MATERIAL_VERTEX_COLORS) !== 0) vertexColors = true;
  }
  return { passThrough, textureSlots, vertexColors, instanced: packed.instances.length > 1 };
}

const featureKey = (f: KernelFeatures) =>
  `${f.passThrough ? 'pass' : 'opaque'}+slots${f.textureSlots}${f.vertexColors ? '+colors' : ''}${f.instanced ? '+instanced' : ''}`;

interface LoadedScene extends InstancedScene {
  info: PackedSceneInfo;
  features: KernelFeatures;
  buffers: GPUBuffer[];
  /** Word offset of the texels inside 'Scene.textures+texels' (Params.texel_base). */
  texelBase: number;
  /** vec4f offset of the punctual lights inside 'Scene.lights+punctual' (Params.punctual_base). */
  punctualBase: number;
  /**
   * Samples per dispatch the adaptive sizing last settled on for this scene: scenes differ in cost by
   * orders of magnitude, so one figure for all would overshoot the watchdog after a switch.
   */
  samplesPerDispatch: number;
  /** Pixels per dispatch of the task samplesPerDispatch was measured on (startingSamplesPerDispatch). */
  samplesPerDispatchPixels: number;
  /** Renders using the buffers right now: an evicted scene is destroyed when the last one ends. */
  renders: number;
  evicted: boolean;
}

/**
 * The WebGPU path tracer host: one compiled pipeline per device, reused across tasks, and the packed scenes
 * of the last SCENE_CACHE_SIZE jobs as storage buffers. The same code runs in a browser Web Worker and in
 * Node through Dawn (npm `webgpu`).
 */
export class PathTracer {
  /** Loaded scenes by hash, least recently used first (Map keeps insertion order). */
  private readonly scenes = new Map<string, LoadedScene>();
  /** Loaded environment maps by hash, least recently used first. */
  private readonly environmentMaps = new Map<string, LoadedEnvironmentMap>();
  /** 1 x 1 stand-ins bound when a task has no map (bindings may not be left out). */
  private readonly noEnvironmentMap: LoadedEnvironmentMap;
  /** The denoiser's guide kernel (shaders/guides.wgsl), compiled on first use: contributors never need it. */
  private guidePipeline: Promise<GPUComputePipeline> | null = null;
  /** The kernel specialised per KernelFeatures (featureKey), compiled on first use; all features at create. */
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  private constructor(
    private readonly device: GPUDevice,
    pipeline: GPUComputePipeline,
    private readonly module: GPUShaderModule,
    private readonly layout: GPUBindGroupLayout,
    private readonly workgroup: { x: number; y: number },
    private readonly specialise: boolean,
  ) {
    this.pipelines.set(featureKey(ALL_FEATURES), Promise.resolve(pipeline));
    this.noEnvironmentMap = uploadEnvironmentMap(device, {
      width: 1,
      height: 1,
      texels: new Float32Array(4),
      conditional: new Float32Array([0, 1]),
      marginal: new Float32Array([0, 1]),
      meanWeight: 0,
    });
  }

  static async create(device: GPUDevice, options: PathTracerOptions = {}): Promise<PathTracer> {
    const workgroup = options.workgroup ?? DEFAULT_WORKGROUP;
    const module = device.createShaderModule({ label: 'PathTrace.module', code: pathTraceShader() });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      throw new Error(
        `path tracer shader failed to compile: ${errors.map((e) => `${e.lineNum}: ${e.message}`).join('; ')}`,
      );
    }
    // An explicit layout: 'auto' would drop bindings the compiler finds unused, and scene buffers must bind
    // the same way whatever the scene holds.
    const storage = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type },
    });
    const layout = device.createBindGroupLayout({
      label: 'PathTrace.bindGroupLayout',
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
        storage(1, 'storage'),
        ...SCENE_BINDINGS.map((b) => storage(b.binding, 'read-only-storage')),
        storage(FRAME_BINDING, 'read-only-storage'),
        // The environment map and its CDFs: float textures read with textureLoad only (no sampler).
        ...[9, 10, 11].map((binding) => ({
          binding,
          visibility: GPUShaderStage.COMPUTE,
          texture: { sampleType: 'unfilterable-float' as const },
        })),
      ],
    });
    const pipeline = await specialisedPipeline(device, module, layout, workgroup, ALL_FEATURES);
    return new PathTracer(device, pipeline, module, layout, workgroup, options.specialise ?? true);
  }

  private pipelineFor(features: KernelFeatures): Promise<GPUComputePipeline> {
    const key = featureKey(this.specialise ? features : ALL_FEATURES);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = specialisedPipeline(this.device, this.module, this.layout, this.workgroup, features);
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  hasScene(hash: string): boolean {
    return this.scenes.has(hash);
  }

  hasEnvironmentMap(hash: string): boolean {
    return this.environmentMaps.has(hash);
  }

  /**
   * Uploads a decoded environment map (lib/scene/radiance-hdr.ts decodeHdr) under its hash, for tasks whose
   * environment is `{ type: 'map', hash, ... }`. Its sampling tables are built here. Loading a hash that is
   * already loaded only marks it as recently used; beyond ENVIRONMENT_MAP_CACHE_SIZE the least recently used
   * map is released.
   */
  loadEnvironmentMap(hash: string, image: RadianceImage): void {
    const existing = this.environmentMaps.get(hash);
    if (existing) {
      this.environmentMaps.delete(hash);
      this.environmentMaps.set(hash, existing);
      return;
    }
    const maxSide = this.device.limits.maxTextureDimension2D;
    if (image.width + 1 > maxSide || image.height + 1 > maxSide) {
      throw new Error(
        `The ${image.width}x${image.height} environment map is larger than this GPU's ${maxSide}-texel textures allow.`,
      );
    }
    if (
      image.rgb.length !== image.width * image.height * 3 ||
      !image.rgb.every((c) => c >= 0 && c < Infinity)
    ) {
      throw new Error(
        'Environment map rejected: it must hold width x height finite, non-negative RGB values.',
      );
    }
    this.environmentMaps.set(hash, uploadEnvironmentMap(this.device, environmentDistribution(image)));
    while (this.environmentMaps.size > ENVIRONMENT_MAP_CACHE_SIZE) {
      const [oldest, map] = this.environmentMaps.entries().next().value as [string, LoadedEnvironmentMap];
      this.environmentMaps.delete(oldest);
      map.evicted = true;
      if (map.renders === 0) for (const t of map.textures) t.destroy();
    }
  }

  /**
   * Uploads a packed scene under its hash (lib/scene/scene-file.ts `sceneHash`), after checking that the
   * kernel can use it safely. Loading a hash that is already loaded only marks it as recently used. The
   * least recently used scene beyond SCENE_CACHE_SIZE is released.
   */
  loadScene(hash: string, packed: PackedScene): void {
    const existing = this.scenes.get(hash);
    if (existing) {
      this.scenes.delete(hash);
      this.scenes.set(hash, existing);
      return;
    }
    validatePackedScene(packed, this.device.limits);
    const { sections } = packed;
    const buffers = SCENE_BINDINGS.map(({ label, sections: names }) => {
      const words = names.reduce((n, name) => n + sections[name].length, 0);
      const buffer = this.device.createBuffer({
        label,
        size: words * 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
        mappedAtCreation: true,
      });
      const target = new Uint32Array(buffer.getMappedRange());
      let offset = 0;
      for (const name of names) {
        target.set(sections[name], offset);
        offset += sections[name].length;
      }
      buffer.unmap();
      return buffer;
    });
    this.scenes.set(hash, {
      info: packed.info,
      features: kernelFeatures(packed),
      buffers,
      texelBase: sections.textures.length,
      punctualBase: sections.lights.length / 4,
      instances: packed.instances,
      rootBoxes: instanceRootBoxes(packed.instances, sections.nodes),
      samplesPerDispatch: 1,
      samplesPerDispatchPixels: 1,
      renders: 0,
      evicted: false,
    });
    while (this.scenes.size > SCENE_CACHE_SIZE) {
      const [oldest, scene] = this.scenes.entries().next().value as [string, LoadedScene];
      this.scenes.delete(oldest);
      scene.evicted = true;
      if (scene.renders === 0) for (const b of scene.buffers) b.destroy();
    }
  }

  /**
   * Renders a task's pixels over its sample range: every pixel of `task.region`, or with `task.pixels`
   * exactly the listed pixels in list order (region ignored). A listed pixel gets the same bits as in a
   * region render of the same range, and either way the bits do not depend on the dispatch split.
   */
  async render(task: RenderTask, options: RenderOptions = {}): Promise<RenderOutput> {
    const { device } = this;
    const { region } = task;
    const listProblem = pixelListProblem(task);
    if (listProblem !== null) throw new Error(listProblem);
    const list = task.pixels;
    const hash = task.sceneHash;
    const scene = this.scenes.get(hash);
    if (scene === undefined) {
      throw new Error(
        `Scene ${hash} is not loaded on this GPU: call loadScene(hash, packedScene) before render().`,
      );
    }
    const environmentMap = this.environmentMapOf(task);
    // Built before anything is allocated: a pose that does not fit the scene fails here.
    const frame = frameOf(scene, task);
    const pipeline = await this.pipelineFor(scene.features);
    const pixelCount = taskPixelCount(task);
    const resultBytes = pixelCount * RESULT_CHANNELS * 4;
    // Pixel-list mode: the list follows the results in the accumulator, one f32 word per entry.
    const byteLength = resultBytes + (list ? list.length * 4 : 0);
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    if (byteLength > limit) {
      const what = list ? `list of ${list.length} pixels` : `${region.width}x${region.height} region`;
      throw new Error(
        `The ${what} needs a ${mib(byteLength)} result buffer; this GPU binds at most ${mib(limit)}. Render ${list ? 'fewer pixels' : 'a smaller region'}.`,
      );
    }
    const grid = list
      ? pixelListGrid(list.length, this.workgroup, device.limits.maxComputeWorkgroupsPerDimension)
      : ([Math.ceil(region.width / this.workgroup.x), Math.ceil(region.height / this.workgroup.y)] as const);
    // Mark as recently used and as busy, so that a loadScene during this render cannot free its buffers.
    this.scenes.delete(hash);
    this.scenes.set(hash, scene);
    scene.renders++;
    environmentMap.renders++;

    const targetMs = options.targetDispatchMs ?? 100;
    // Zero-initialised by WebGPU; every dispatch adds its samples onto it. In pixel-list mode the indices
    // follow the results as f32 integer values (exact below 2^24, which pixelListProblem checks): a raw u32
    // bit pattern read as f32 could be a denormal, which GPUs may flush to zero.
    const accum = device.createBuffer({
      label: 'PathTrace.accumBuffer',
      size: byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      mappedAtCreation: list !== undefined,
    });
    if (list) {
      // The whole range: getMappedRange's offset must be a multiple of 8, and 20 n bytes is not for odd n.
      new Float32Array(accum.getMappedRange()).set(list, resultBytes / 4);
      accum.unmap();
    }
    const readback = device.createBuffer({
      label: 'PathTrace.readbackBuffer',
      size: resultBytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const params = device.createBuffer({
      label: 'PathTrace.paramsBuffer',
      size: PARAMS_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    const frameBuffer = uploadFrame(device, frame);
    const bindGroup = device.createBindGroup({
      label: 'PathTrace.bindGroup',
      layout: this.layout,
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: accum } },
        ...SCENE_BINDINGS.map((b, i) => ({
          binding: b.binding,
          resource: { buffer: scene.buffers[i] as GPUBuffer },
        })),
        { binding: FRAME_BINDING, resource: { buffer: frameBuffer } },
        ...environmentMap.textures.map((texture, i) => ({ binding: 9 + i, resource: texture.createView() })),
      ],
    });
    const paramsData = packParams(task, scene, environmentMap, frame);

    let spd =
      options.fixedSamplesPerDispatch ??
      options.initialSamplesPerDispatch ??
      startingSamplesPerDispatch(scene, pixelCount);
    let gpuMs = 0;
    let dispatches = 0;
    try {
      for (let start = task.sampleStart; start < task.sampleEnd; ) {
        if (options.beforeDispatch) await options.beforeDispatch();
        const count = Math.min(spd, task.sampleEnd - start);
        paramsData.setSampleRange(start, count);
        device.queue.writeBuffer(params, 0, paramsData.buffer);
        const encoder = device.createCommandEncoder({ label: 'PathTrace.encoder' });
        const pass = encoder.beginComputePass({ label: 'PathTrace.pass' });
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(grid[0], grid[1]);
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
      scene.samplesPerDispatch = spd;
      scene.samplesPerDispatchPixels = pixelCount;

      // The results only: not the pixel list behind them.
      const encoder = device.createCommandEncoder({ label: 'PathTrace.readbackEncoder' });
      encoder.copyBufferToBuffer(accum, 0, readback, 0, resultBytes);
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const data = new Float32Array(readback.getMappedRange().slice(0));
      readback.unmap();
      return { data, gpuMs, dispatches, samplesPerDispatch: spd };
    } finally {
      accum.destroy();
      readback.destroy();
      params.destroy();
      frameBuffer.destroy();
      scene.renders--;
      if (scene.evicted && scene.renders === 0) for (const b of scene.buffers) b.destroy();
      environmentMap.renders--;
      if (environmentMap.evicted && environmentMap.renders === 0)
        for (const t of environmentMap.textures) t.destroy();
    }
  }

  /**
   * The denoiser's guide buffers for a whole image (shaders/guides.wgsl): GUIDE_CHANNELS float32 per pixel
   * of `task.region`, row-major, averaged over the camera samples [sampleStart, sampleEnd) — the same
   * primary rays as the image's samples of those indices. For the requestor's preview only; not verified.
   */
  async renderGuides(task: RenderTask): Promise<Float32Array<ArrayBuffer>> {
    const { device } = this;
    if (task.pixels !== undefined)
      throw new Error('Guide buffers are rendered by region, not by pixel list.');
    const scene = this.scenes.get(task.sceneHash);
    if (scene === undefined) {
      throw new Error(
        `Scene ${task.sceneHash} is not loaded on this GPU: call loadScene before renderGuides().`,
      );
    }
    const { region } = task;
    const bytes = region.width * region.height * GUIDE_CHANNELS * 4;
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    if (bytes > limit) {
      throw new Error(`The guide buffers need ${mib(bytes)}; this GPU binds at most ${mib(limit)}.`);
    }
    const environmentMap = this.environmentMapOf(task);
    const frame = frameOf(scene, task);
    this.guidePipeline ??= compilePipeline(device, this.layout, 'Guides', guideShader(), this.workgroup);
    const pipeline = await this.guidePipeline;
    scene.renders++;
    const output = device.createBuffer({
      label: 'Guides.outputBuffer',
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    const readback = device.createBuffer({
      label: 'Guides.readbackBuffer',
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const params = device.createBuffer({
      label: 'Guides.paramsBuffer',
      size: PARAMS_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    const frameBuffer = uploadFrame(device, frame);
    try {
      const paramsData = packParams(task, scene, environmentMap, frame);
      paramsData.setSampleRange(task.sampleStart, task.sampleEnd - task.sampleStart);
      device.queue.writeBuffer(params, 0, paramsData.buffer);
      const bindGroup = device.createBindGroup({
        label: 'Guides.bindGroup',
        layout: this.layout,
        entries: [
          { binding: 0, resource: { buffer: params } },
          { binding: 1, resource: { buffer: output } },
          ...SCENE_BINDINGS.map((b, i) => ({
            binding: b.binding,
            resource: { buffer: scene.buffers[i] as GPUBuffer },
          })),
          { binding: FRAME_BINDING, resource: { buffer: frameBuffer } },
          ...environmentMap.textures.map((texture, i) => ({
            binding: 9 + i,
            resource: texture.createView(),
          })),
        ],
      });
      const encoder = device.createCommandEncoder({ label: 'Guides.encoder' });
      const pass = encoder.beginComputePass({ label: 'Guides.pass' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(
        Math.ceil(region.width / this.workgroup.x),
        Math.ceil(region.height / this.workgroup.y),
      );
      pass.end();
      encoder.copyBufferToBuffer(output, 0, readback, 0, bytes);
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const data = new Float32Array(readback.getMappedRange().slice(0));
      readback.unmap();
      return data;
    } finally {
      output.destroy();
      readback.destroy();
      params.destroy();
      frameBuffer.destroy();
      scene.renders--;
      if (scene.evicted && scene.renders === 0) for (const b of scene.buffers) b.destroy();
    }
  }

  /** The map a task's environment names (marked recently used), or the placeholders when it names none. */
  private environmentMapOf(task: RenderTask): LoadedEnvironmentMap {
    const environment = task.environment;
    if (environment?.type !== 'map') return this.noEnvironmentMap;
    const map = this.environmentMaps.get(environment.hash);
    if (map === undefined) {
      throw new Error(
        `Environment map ${environment.hash} is not loaded on this GPU: call loadEnvironmentMap(hash, image) before render().`,
      );
    }
    this.environmentMaps.delete(environment.hash);
    this.environmentMaps.set(environment.hash, map);
    return map;
  }
}

/**
 * The frame's instances for a task: null for a scene of one instance (a still scene, whose single BVH the
 * kernel walks directly, Params.instance_count = 0), else the top level built from the task's pose (the
 * rest transforms without one). Throws when the pose does not fit the scene.
 */
function frameOf(scene: InstancedScene, task: RenderTask): FrameInstances | null {
  const transforms = task.pose?.instanceTransforms;
  if (scene.instances.length === 1) {
    if (transforms !== undefined) {
      const problem = instanceTransformsProblem(transforms, 1);
      if (problem !== null) throw new Error(problem);
      // A still scene's one instance is its world-space geometry: it can only stand at the identity.
      if (!transforms.every((x, i) => Math.fround(x) === IDENTITY_TRANSFORM[i])) {
        throw new Error('The pose moves the only instance of a still scene; a still scene cannot move.');
      }
    }
    return null;
  }
  return buildFrameInstances(scene, transforms);
}

/** The `scene_frame` buffer (one zero vec4f for a still scene: a binding may not be left out). */
function uploadFrame(device: GPUDevice, frame: FrameInstances | null): GPUBuffer {
  const words = frame?.words ?? new Uint32Array(4);
  const buffer = device.createBuffer({
    label: 'PathTrace.frameBuffer',
    size: words.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    mappedAtCreation: true,
  });
  new Uint32Array(buffer.getMappedRange()).set(words);
  buffer.unmap();
  return buffer;
}

/** The three textures of a prepared map; rows of float32 are written with their exact byte stride. */
function uploadEnvironmentMap(device: GPUDevice, d: EnvironmentDistribution): LoadedEnvironmentMap {
  const texture = (
    label: string,
    format: GPUTextureFormat,
    width: number,
    height: number,
    data: Float32Array<ArrayBuffer>,
    channels: number,
  ) => {
    const t = device.createTexture({
      label,
      size: { width, height },
      format,
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
    });
    device.queue.writeTexture(
      { texture: t },
      data,
      { bytesPerRow: width * channels * 4, rowsPerImage: height },
      { width, height },
    );
    return t;
  };
  return {
    width: d.width,
    height: d.height,
    meanWeight: d.meanWeight,
    textures: [
      texture('PathTrace.environmentMap', 'rgba32float', d.width, d.height, d.texels, 4),
      texture('PathTrace.environmentConditional', 'r32float', d.width + 1, d.height, d.conditional, 1),
      texture('PathTrace.environmentMarginal', 'r32float', d.height + 1, 1, d.marginal, 1),
    ],
    renders: 0,
    evicted: false,
  };
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Samples per dispatch to start a task of `pixels` pixels with, from what the scene's last task settled
 * on. A task with more pixels than that one scales it down in proportion (dispatch time grows at most
 * linearly with pixels); one with fewer keeps it, since on a parallel GPU fewer pixels need not be any
 * faster (a 40-pixel check after a 4096-pixel tile would otherwise run 100 times too long), and the
 * adaptive sizing grows it from there.
 */
function startingSamplesPerDispatch(
  scene: Pick<LoadedScene, 'samplesPerDispatch' | 'samplesPerDispatchPixels'>,
  pixels: number,
): number {
  const scale = Math.min(1, scene.samplesPerDispatchPixels / Math.max(1, pixels));
  return Math.max(1, Math.floor(scene.samplesPerDispatch * scale));
}

/**
 * Workgroups to dispatch for a pixel list of `entries`: a 2D grid (the kernel numbers entries linearly,
 * x fastest) as square as the per-dimension limit needs, so fewer than one row of workgroups is wasted.
 */
export function pixelListGrid(
  entries: number,
  workgroup: { x: number; y: number },
  maxPerDimension: number,
): readonly [number, number] {
  const groups = Math.ceil(entries / (workgroup.x * workgroup.y));
  const rows = Math.ceil(groups / maxPerDimension);
  if (rows > maxPerDimension) {
    throw new Error(`A list of ${entries} pixels needs more workgroups than this GPU can dispatch.`);
  }
  return [Math.ceil(groups / rows), rows];
}

/** Params.environment_type values (shaders/params.wgsl). */
const ENVIRONMENT_TYPE = { none: 0, uniform: 1, sky: 2, map: 3 } as const;
/** Params.pixel_filter values (shaders/params.wgsl). */
const PIXEL_FILTER = { box: 0, gaussian: 1 } as const;

/**
 * The Params uniform for one task (shaders/params.wgsl, laid out by lib/render/params-layout.ts), with the
 * sample range patched in per dispatch.
 */
function packParams(
  task: RenderTask,
  scene: Pick<LoadedScene, 'info' | 'texelBase' | 'punctualBase'>,
  environmentMap: Pick<LoadedEnvironmentMap, 'width' | 'height' | 'meanWeight'>,
  frame: FrameInstances | null,
): { buffer: ArrayBuffer; setSampleRange: (start: number, count: number) => void } {
  const params = paramsWriter();
  const { info } = scene;
  // An animation frame's camera (resolved by the coordinator, lib/work/frame-pose.ts) replaces the scene's.
  const camera = cameraBasis(task.pose?.camera ?? info.camera, task.width, task.height);
  // Tasks parsed from JSON written before environments existed carry none: they get the default sky.
  const environment: Environment = task.environment ?? DEFAULT_ENVIRONMENT;
  const black = (c: readonly number[]) => c.every((x) => x === 0);

  params.set('image_size', [task.width, task.height]);
  params.set('region_origin', [task.region.x, task.region.y]);
  params.set('region_size', [task.region.width, task.region.height]);
  // sample_start, sample_count: setSampleRange
  params.set('seed', task.seed >>> 0);
  params.set('max_bounces', task.maxBounces);
  params.set('light_count', info.lightCount);
  params.set('punctual_count', info.punctualCount);
  params.set('camera_position', camera.position);
  params.set('camera_right', camera.right);
  params.set('emissive_power', info.emissivePower);
  params.set('camera_up', camera.up);
  params.set('texel_base', scene.texelBase);
  params.set('punctual_base', scene.punctualBase);
  if (frame) {
    params.set('instance_count', frame.instanceCount);
    params.set('instance_order_base', frame.orderBase);
    params.set('instance_slot_base', frame.slotBase);
  }
  params.set('camera_forward', camera.forward);
  params.set('pixel_list_length', task.pixels?.length ?? 0); // 0 = region mode
  params.set('pixel_filter', PIXEL_FILTER[task.pixelFilter ?? 'box']);
  if (task.lens && task.lens.apertureRadius > 0) {
    params.set('lens_radius', task.lens.apertureRadius);
    params.set('focus_distance', task.lens.focusDistance);
  }
  if (environment.type === 'map') {
    const dark = !(environmentMap.meanWeight > 0) || !(environment.intensity > 0);
    params.set('environment_type', dark ? ENVIRONMENT_TYPE.none : ENVIRONMENT_TYPE.map);
    params.set('environment_a', [environment.intensity, environment.intensity, environment.intensity]);
    params.set('environment_map_size', [environmentMap.width, environmentMap.height]);
    // Wrapped to one turn on the host: the kernel adds it to a value in [0, 1].
    const turns = environment.rotationDegrees / 360;
    params.set('environment_rotation', turns - Math.floor(turns));
  } else if (environment.type === 'uniform') {
    // A black environment is no light at all: light sampling then skips it instead of wasting samples.
    params.set(
      'environment_type',
      black(environment.radiance) ? ENVIRONMENT_TYPE.none : ENVIRONMENT_TYPE.uniform,
    );
    params.set('environment_a', environment.radiance);
  } else {
    const allBlack = black(environment.zenith) && black(environment.horizon) && black(environment.ground);
    params.set('environment_type', allBlack ? ENVIRONMENT_TYPE.none : ENVIRONMENT_TYPE.sky);
    params.set('environment_a', environment.zenith);
    params.set('environment_b', environment.horizon);
    params.set('environment_c', environment.ground);
  }
  return {
    buffer: params.buffer,
    setSampleRange(start, count) {
      params.set('sample_start', start);
      params.set('sample_count', count);
    },
  };
}

/**
 * Checks a packed scene before it reaches the GPU: section sizes against the counts and the device's
 * limits, every index the kernel follows (so a corrupt or hostile scene cannot send it out of bounds or
 * into an endless walk), the BVH depth against the traversal stack, and the light table against the
 * relation the kernel relies on for MIS (probability / area = luminance(emissive) / emissivePower).
 */
export function validatePackedScene(
  packed: PackedScene,
  limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>,
): void {
  const { info, sections } = packed;
  const fail = (message: string): never => {
    throw new Error(`Packed scene rejected: ${message}`);
  };
  // Texels have no declared count: any whole number of words will do.
  const counts = sectionRecords(info, 0);
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  for (const name of SECTION_NAMES) {
    const words = sections[name].length;
    const per = SECTION_RECORD_WORDS[name];
    // Empty sections hold one zero record (bindings may not be empty).
    if (words === 0 || words % per !== 0)
      fail(`section '${name}' has ${words} words, not whole records of ${per}`);
    if (words < Math.max(1, counts[name]) * per) {
      fail(`section '${name}' has ${words / per} records, fewer than the ${counts[name]} the scene declares`);
    }
  }
  for (const { label, sections: names } of SCENE_BINDINGS) {
    const bytes = names.reduce((n, name) => n + sections[name].length * 4, 0);
    if (bytes > maxBytes) {
      fail(
        `${label} needs ${mib(bytes)}; this GPU binds at most ${mib(maxBytes)} per storage buffer. Simplify the scene (fewer triangles or smaller textures).`,
      );
    }
  }
  if (info.materialCount < 1) fail('it has no materials');
  if (info.nodeCount < 1) fail('it has no BVH root');

  const nodes = sections.nodes;
  const instances = packed.instances;
  if (!(instances.length >= 1 && instances.length <= MAX_INSTANCES)) {
    fail(`it has ${instances.length} instances (1 to ${MAX_INSTANCES})`);
  }
  // Every node reachable from an instance's root exactly once, depth within the stack, leaves within the
  // triangles.
  const visited = new Uint8Array(info.nodeCount);
  const stack: number[] = [];
  for (const instance of instances) {
    if (instance.triangleCount === 0 && instances.length > 1) continue;
    if (!(instance.rootNode < info.nodeCount)) fail(`an instance's root node is missing`);
    stack.push(instance.rootNode, 0);
  }
  while (stack.length > 0) {
    const depth = stack.pop() as number;
    const index = stack.pop() as number;
    if (visited[index]) fail(`BVH node ${index} is reachable twice`);
    visited[index] = 1;
    if (depth >= BVH_MAX_DEPTH)
      fail(`the BVH is deeper than the kernel's traversal stack (${BVH_MAX_DEPTH})`);
    const first = nodes[index * BVH_NODE_WORDS + 3] as number;
    const count = nodes[index * BVH_NODE_WORDS + 7] as number;
    if (count > 0) {
      if (first + count > info.triangleCount) fail(`BVH leaf ${index} points past the triangles`);
    } else if (index === 0 && info.triangleCount === 0) {
      // The empty scene: one empty leaf.
    } else {
      if (first + 1 >= info.nodeCount) fail(`BVH node ${index} has invalid children`);
      stack.push(first, depth + 1, first + 1, depth + 1);
    }
  }

  const triangles = sections.triangles;
  for (let t = 0; t < info.triangleCount; t++) {
    if ((triangles[t * TRIANGLE_WORDS + 3] as number) >= info.materialCount) {
      fail(`triangle ${t} uses material ${triangles[t * TRIANGLE_WORDS + 3]} of ${info.materialCount}`);
    }
  }
  const triangleFloats = new Float32Array(triangles.buffer, triangles.byteOffset);
  for (let m = 0; m < info.materialCount; m++) {
    for (let k = 0; k < TEXTURE_SLOTS.length; k++) {
      const texture = sections.materials[
        m * MATERIAL_WORDS + TEXTURE_SLOT_OFFSET + k * TEXTURE_SLOT_WORDS
      ] as number;
      if (texture !== NO_TEXTURE && texture >= info.textureCount)
        fail(`material ${m} uses missing texture ${texture}`);
    }
  }
  const textures = sections.textures;
  for (let t = 0; t < info.textureCount; t++) {
    const [offset, width, height] = [0, 1, 2].map((i) => textures[t * TEXTURE_WORDS + i] as number) as [
      number,
      number,
      number,
    ];
    if (offset + width * height > sections.texels.length) fail(`texture ${t} reaches past the texels`);
  }

  const lights = sections.lights;
  const lightFloats = new Float32Array(lights.buffer, lights.byteOffset);
  let previous = 0;
  for (let l = 0; l < info.lightCount; l++) {
    const triangle = lights[l * LIGHT_WORDS] as number;
    if (triangle >= info.triangleCount) fail(`light ${l} points at missing triangle ${triangle}`);
    const cumulative = lightFloats[l * LIGHT_WORDS + 1] as number;
    const area = lightFloats[l * LIGHT_WORDS + 2] as number;
    const probability = lightFloats[l * LIGHT_WORDS + 3] as number;
    if (!(cumulative >= previous) || !(cumulative <= 1))
      fail(`light ${l}'s cumulative probability is not ascending`);
    previous = cumulative;
    if (probability > 0 && area > 0) {
      // The kernel's MIS weight takes the light's area density from its triangle's emitted luminance.
      const density = (triangleFloats[triangle * TRIANGLE_WORDS + 11] as number) / info.emissivePower;
      const stored = probability / area;
      if (!(Math.abs(stored - density) <= 1e-3 * density)) {
        fail(
          `light ${l} has probability/area ${stored}, not its triangle's emitted luminance/emissivePower = ${density}: the kernel's MIS weights would be wrong`,
        );
      }
    }
  }
  if (info.lightCount > 0 && !(Math.abs(previous - 1) <= 1e-5)) fail('the light CDF does not end at 1');
}

/** The path tracer's pipeline with the scene features as override constants (KernelFeatures). */
function specialisedPipeline(
  device: GPUDevice,
  module: GPUShaderModule,
  layout: GPUBindGroupLayout,
  workgroup: { x: number; y: number },
  features: KernelFeatures,
): Promise<GPUComputePipeline> {
  return device.createComputePipelineAsync({
    label: `PathTrace.pipeline(${featureKey(features)})`,
    layout: device.createPipelineLayout({ label: 'PathTrace.pipelineLayout', bindGroupLayouts: [layout] }),
    compute: {
      module,
      entryPoint: 'main',
      constants: {
        WORKGROUP_X: workgroup.x,
        WORKGROUP_Y: workgroup.y,
        SCENE_PASS_THROUGH: features.passThrough ? 1 : 0,
        SCENE_TEXTURE_SLOTS: features.textureSlots,
        SCENE_VERTEX_COLORS: features.vertexColors ? 1 : 0,
        SCENE_INSTANCED: features.instanced ? 1 : 0,
      },
    },
  });
}

/** Compiles one kernel of the tracer's binding layout, reporting WGSL errors with their line numbers. */
async function compilePipeline(
  device: GPUDevice,
  layout: GPUBindGroupLayout,
  label: string,
  code: string,
  workgroup: { x: number; y: number },
): Promise<GPUComputePipeline> {
  const module = device.createShaderModule({ label: `${label}.module`, code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    throw new Error(
      `${label} shader failed to compile: ${errors.map((e) => `${e.lineNum}: ${e.message}`).join('; ')}`,
    );
  }
  return device.createComputePipelineAsync({
    label: `${label}.pipeline`,
    layout: device.createPipelineLayout({ label: `${label}.pipelineLayout`, bindGroupLayouts: [layout] }),
    compute: {
      module,
      entryPoint: 'main',
      constants: { WORKGROUP_X: workgroup.x, WORKGROUP_Y: workgroup.y },
    },
  });
}
