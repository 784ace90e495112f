/**
 * WebGPU capability check. Returns a typed report instead of throwing, so a page can tell the contributor
 * exactly what is missing and what to do next rather than showing a blank panel.
 */

/** The limits a contributor's page shows, and the ones the path tracer's tasks run into first. */
export const KEY_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export type KeyLimit = (typeof KEY_LIMITS)[number];

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  /** A software adapter (SwiftShader, WARP, llvmpipe): works, but orders of magnitude slower. */
  isFallback: boolean;
  /** What the adapter supports (a device gets the storage sizes in full, the rest at WebGPU's defaults). */
  limits: Record<KeyLimit, number>;
  /** Optional WebGPU features the adapter offers, sorted (e.g. 'shader-f16', 'timestamp-query'). */
  features: string[];
}

export type GpuInspection =
  | { ok: true; adapter: AdapterSummary }
  | { ok: false; reason: string; nextStep: string };

export type GpuAcquisition =
  | { ok: true; device: GPUDevice; adapter: AdapterSummary }
  | { ok: false; reason: string; nextStep: string };

const NO_WEBGPU = {
  ok: false,
  reason: 'This browser does not expose WebGPU.',
  nextStep:
    'Use a current Chrome, Edge or Safari 26+, or Firefox 141+ on Windows; on Linux start Chrome with --enable-unsafe-webgpu.',
} as const;

const NO_ADAPTER = {
  ok: false,
  reason: 'WebGPU is present but no GPU adapter is available.',
  nextStep:
    'Update your graphics driver, or check that hardware acceleration is enabled in the browser settings.',
} as const;

/** Names of software rasterisers, for browsers that do not flag their fallback adapter. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

function summarize(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  const flagged =
    (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ??
    (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const names = [info.vendor, info.architecture, info.description, info.device].join(' ');
  const limits = {} as Record<KeyLimit, number>;
  for (const key of KEY_LIMITS) limits[key] = adapter.limits[key];
  return {
    vendor: info.vendor || 'unknown vendor',
    architecture: info.architecture || 'unknown architecture',
    description: info.description || '',
    isFallback: Boolean(flagged) || SOFTWARE.test(names),
    limits,
    features: [...adapter.features].sort(),
  };
}

/**
 * What GPU this browser would render on, without creating a device: nothing runs on the GPU. The contribute
 * page shows it before the person agrees to anything.
 */
export async function inspectGpu(gpu: GPU | undefined): Promise<GpuInspection> {
  if (!gpu) return NO_WEBGPU;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return NO_ADAPTER;
    return { ok: true, adapter: summarize(adapter) };
  } catch (cause) {
    return {
      ok: false,
      reason: `WebGPU failed to list adapters: ${String(cause)}`,
      nextStep: NO_ADAPTER.nextStep,
    };
  }
}

export async function acquireGpu(gpu: GPU | undefined): Promise<GpuAcquisition> {
  if (!gpu) return NO_WEBGPU;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return NO_ADAPTER;
  try {
    // Storage buffers up to what the adapter allows (the defaults are 128 and 256 MiB): a large scene's
    // sections are single buffers, and PathTracer.loadScene checks them against these limits.
    const device = await adapter.requestDevice({
      label: 'Lumengrid.device',
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    });
    return { ok: true, device, adapter: summarize(adapter) };
  } catch (cause) {
    return {
      ok: false,
      reason: `The GPU adapter refused to create a device: ${String(cause)}`,
      nextStep: 'Close other GPU-heavy tabs and reload the page.',
    };
  }
}
