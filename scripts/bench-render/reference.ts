/**
 * The common reference image both renderers' errors are measured against: our renderer in Node at high
 * samples per pixel, with its own seed (independent of every test render's random stream). Rendering it
 * takes minutes on SwiftShader, so it is cached on disk under a key that covers everything that could change
 * its pixels: the kernel's source, the host code that sets up the kernel, the packed scene and the settings.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltInSceneId } from '../../lib/protocol/job-spec';
import { pathTraceShader } from '../../lib/render/shaders';
import { DEMO_SCENES } from '../../lib/scene/demo-scenes';
import { packScene } from '../../lib/scene/pack-scene';
import { serializePackedScene } from '../../lib/scene/scene-file';
import type { RgbImage } from './image';
import { BENCH_ENVIRONMENTS, type OursRunner } from './ours-runner';
import { base64ToFloats } from './protocol';

export interface ReferenceSpec {
  scene: BuiltInSceneId;
  size: number;
  spp: number;
  maxBounces: number;
  seed: number;
}

export interface Reference {
  image: RgbImage;
  /** Rendering time in ms, or null when it came from the cache. */
  renderMs: number | null;
  path: string;
}

/** Host files whose changes can change the kernel's output without changing its WGSL. */
const HOST_SOURCES = [
  'lib/render/path-tracer.ts',
  'lib/render/params-layout.ts',
  'lib/render/camera.ts',
  'lib/scene/pack-scene.ts',
];

function cacheKey(spec: ReferenceSpec, repoRoot: string): string {
  const demo = DEMO_SCENES[spec.scene];
  if (!demo) throw new Error(`unknown built-in scene '${spec.scene}'`);
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ spec, environment: BENCH_ENVIRONMENTS[spec.scene] }));
  hash.update(pathTraceShader());
  for (const file of HOST_SOURCES) hash.update(readFileSync(join(repoRoot, file)));
  hash.update(serializePackedScene(packScene(demo.build())));
  return hash.digest('hex').slice(0, 16);
}

export async function loadOrRenderReference(
  runner: OursRunner,
  spec: ReferenceSpec,
  outDir: string,
  repoRoot: string,
  log: (line: string) => void,
): Promise<Reference> {
  const path = join(
    outDir,
    `reference-${spec.scene}-${spec.size}px-${spec.spp}spp-${cacheKey(spec, repoRoot)}.f32`,
  );
  const pixels = spec.size * spec.size;
  if (existsSync(path)) {
    const bytes = readFileSync(path);
    if (bytes.byteLength === pixels * 12) {
      const rgb = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      return { image: { width: spec.size, height: spec.size, rgb }, renderMs: null, path };
    }
  }
  log(
    `reference: rendering ${spec.scene} ${spec.size}x${spec.size} at ${spec.spp} spp in Node (cached afterwards)…`,
  );
  let reported = 0;
  const report = await runner.run(
    {
      renderer: 'ours',
      scene: spec.scene,
      width: spec.size,
      height: spec.size,
      maxBounces: spec.maxBounces,
      seed: spec.seed,
      warmupSpp: 0,
      checkpoints: [spec.spp],
      withImages: true,
    },
    (done) => {
      // A line every quarter, so a long first run visibly progresses.
      if (done >= reported + spec.spp / 4) {
        reported = done;
        log(`reference: ${done} / ${spec.spp} spp`);
      }
    },
  );
  const final = report.checkpoints[0];
  if (!final?.image) throw new Error('the reference render returned no image');
  const rgb = base64ToFloats(final.image);
  writeFileSync(path, new Uint8Array(rgb.buffer));
  return { image: { width: spec.size, height: spec.size, rgb }, renderMs: final.ms, path };
}
