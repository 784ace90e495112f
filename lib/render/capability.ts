/**
 * WebGPU capability check. Returns a typed report instead of throwing, so a page can tell the contributor
 * exactly what is missing and what to do next rather than showing a blank panel.
 */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  /** A software adapter (SwiftShader, WARP, llvmpipe): works, but orders of magnitude slower. */
  isFallback: boolean;
  maxStorageBufferBindingSize: number;
  maxComputeInvocationsPerWorkgroup: number;
}

export type GpuAcquisition =
  | { ok: true; device: GPUDevice; adapter: AdapterSummary }
  | { ok: false; reason: string; nextStep: string };

export async function acquireGpu(gpu: GPU | undefined): Promise<GpuAcquisition> {
  if (!gpu) {
    return {
      ok: false,
      reason: 'This browser does not expose WebGPU.',
      nextStep:
        'Use a current Chrome, Edge or Safari 26+, or Firefox 141+ on Windows; on Linux start Chrome with --enable-unsafe-webgpu.',
    };
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    return {
      ok: false,
      reason: 'WebGPU is present but no GPU adapter is available.',
      nextStep:
        'Update your graphics driver, or check that hardware acceleration is enabled in the browser settings.',
    };
  }
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
    const info = adapter.info;
    return {
      ok: true,
      device,
      adapter: {
        vendor: info.vendor || 'unknown vendor',
        architecture: info.architecture || 'unknown architecture',
        description: info.description || '',
        isFallback: Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter),
        maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
        maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
      },
    };
  } catch (cause) {
    return {
      ok: false,
      reason: `The GPU adapter refused to create a device: ${String(cause)}`,
      nextStep: 'Close other GPU-heavy tabs and reload the page.',
    };
  }
}
