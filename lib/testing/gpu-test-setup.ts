import { acquireGpu } from '../render/capability';
import { nodeGpu } from '../render/node-gpu';
import { PathTracer } from '../render/path-tracer';

/**
 * How long a GPU test file may take to open the GPU and compile the path tracer: 6–15 s alone on SwiftShader,
 * but minutes on a 2-core machine while other GPU test files compile and render beside it.
 */
export const GPU_SETUP_TIMEOUT_MS = 300_000;

/** Opens the GPU (Dawn in Node, SwiftShader where there is none) and compiles the path tracer, for a test file. */
export async function openTestTracer(): Promise<{ device: GPUDevice; tracer: PathTracer }> {
  const gpu = await acquireGpu(nodeGpu());
  if (!gpu.ok) throw new Error(`${gpu.reason} ${gpu.nextStep}`);
  return { device: gpu.device, tracer: await PathTracer.create(gpu.device) };
}
