/**
 * Ours for bench:fidelity, in the browser worker: the asset's packed scene (imported from the .glb in Node
 * by the product's own upload path, lib/scene/prepare-scene.ts) loaded as a contributor's worker loads a
 * job's scene, through SceneLoader (download, hash check, upload to the GPU).
 */
import { FloatType } from 'three';
import { HDRLoader } from 'three/examples/jsm/loaders/HDRLoader.js';
import type { Environment } from '../../lib/protocol/render-task';
import type { PathTracer } from '../../lib/render/path-tracer';
import { SceneLoader } from '../../lib/render/scene-loader';
import type { AssetScene } from '../bench-render/protocol';

export interface OursAsset {
  /** The packed scene's hash: the tracer's scene key. */
  hash: string;
  environment: Environment;
  /** How the environment was set up, where that is worth saying. */
  notes: string[];
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Loads the asset's packed scene into `tracer` and returns the environment that lights it. */
export async function loadAssetForOurs(tracer: PathTracer, asset: AssetScene): Promise<OursAsset> {
  const { hash, url } = asset.packed;
  await new SceneLoader(tracer, () => fetchBytes(url)).ensure(hash);
  if (asset.environment.type === 'uniform') {
    const r = asset.environment.radiance;
    return { hash, environment: { type: 'uniform', radiance: [r, r, r] }, notes: [] };
  }
  const map = await mapEnvironment(tracer, await fetchBytes(asset.environment.url), `${hash}:environment`);
  return { hash, environment: map.environment, notes: [map.note] };
}

/**
 * MERGE HOOK (helper B, branch fidelity-lights: equirectangular map environments). The environment an
 * equirectangular .hdr gives our renderer, for the scenes the peer lights with the same file through three's
 * HDRLoader. With B's API this becomes: decode the file with lib/scene/radiance-hdr.ts, hand the map to the
 * tracer under `key`, and return { type: 'map', hash: key, rotationDegrees: 0, intensity: 1 } (B's
 * convention is three's: column u at azimuth atan2(z, x) = 2π(u - ½), top row +y; main.ts's orientation
 * probe checks it).
 *
 * Main has no map environment, so today the best it can do is a uniform environment with the map's mean
 * radiance over the sphere (each row weighted by its solid angle, sin θ): the same total light, none of its
 * direction. The file is decoded with three's HDRLoader here only because main has no .hdr reader.
 */
async function mapEnvironment(
  _tracer: PathTracer,
  hdr: Uint8Array,
  _key: string,
): Promise<{ environment: Environment; note: string }> {
  const loader = new HDRLoader().setDataType(FloatType);
  const parsed = loader.parse(
    hdr.buffer.slice(hdr.byteOffset, hdr.byteOffset + hdr.byteLength) as ArrayBuffer,
  );
  const data = parsed.data as Float32Array;
  const [width, height] = [parsed.width ?? 0, parsed.height ?? 0];
  const sum = [0, 0, 0];
  let weight = 0;
  for (let y = 0; y < height; y++) {
    const w = Math.sin((Math.PI * (y + 0.5)) / height);
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) sum[c] = (sum[c] as number) + w * (data[i + c] as number);
      weight += w;
    }
  }
  const radiance = sum.map((s) => s / weight) as [number, number, number];
  return {
    environment: { type: 'uniform', radiance },
    note: `main has no map environments: the .hdr stands in as its mean radiance, uniform (${radiance.map((v) => v.toFixed(3)).join(', ')})`,
  };
}
