/**
 * Ours for bench:fidelity, in the browser worker: the asset's packed scene (imported from the .glb in Node
 * by the product's own upload path, lib/scene/prepare-scene.ts) loaded as a contributor's worker loads a
 * job's scene, through SceneLoader (download, hash check, upload to the GPU).
 */
import type { Environment } from '../../lib/protocol/render-task';
import type { PathTracer } from '../../lib/render/path-tracer';
import { SceneLoader } from '../../lib/render/scene-loader';
import { decodeHdr } from '../../lib/scene/radiance-hdr';
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
 * The environment an equirectangular .hdr gives our renderer, for the scenes the peer lights with the same
 * file through three's HDRLoader: the product's own decoder (lib/scene/radiance-hdr.ts) and map environment,
 * importance-sampled, in three's orientation (column u at azimuth atan2(z, x) = 2π(u - ½), top row +y;
 * main.ts's orientation probe checks it).
 */
async function mapEnvironment(
  tracer: PathTracer,
  hdr: Uint8Array,
  key: string,
): Promise<{ environment: Environment; note: string }> {
  const image = decodeHdr(hdr);
  tracer.loadEnvironmentMap(key, image);
  return {
    environment: { type: 'map', hash: key, rotationDegrees: 0, intensity: 1 },
    note: `${image.width}x${image.height} .hdr as an importance-sampled map environment`,
  };
}
