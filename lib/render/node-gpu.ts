/**
 * WebGPU in Node through Dawn (npm `webgpu`). On machines without a GPU driver it runs on SwiftShader's
 * Vulkan ICD as shipped with Debian's chromium package (see docs/design.md, "Runtime facts").
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Environment Dawn needs; must be set before the `webgpu` module loads. */
export function prepareDawnEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  if (!env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), `lumengrid-xdg-${process.getuid?.() ?? 0}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    env.XDG_RUNTIME_DIR = dir;
  }
  if (!env.VK_ICD_FILENAMES && !env.LUMENGRID_USE_SYSTEM_VULKAN && existsSync(SWIFTSHADER_ICD)) {
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    env.LD_LIBRARY_PATH = ['/usr/lib/chromium', env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
}

let instance: GPU | undefined;

/**
 * The `navigator.gpu` equivalent for Node. One instance per process, held here for good: when Dawn's
 * instance object is garbage-collected, its pending promises never settle (seen: a pipeline creation that
 * silently ended the process).
 */
export function nodeGpu(): GPU {
  if (instance) return instance;
  prepareDawnEnvironment();
  const require = createRequire(import.meta.url);
  const { create, globals } = require('webgpu') as {
    create: (flags: string[]) => GPU;
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, globals);
  instance = create([]);
  return instance;
}
