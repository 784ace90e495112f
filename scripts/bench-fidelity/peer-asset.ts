/**
 * The peer for bench:fidelity: the ORIGINAL glTF file through three's own GLTFLoader (its texture handling,
 * colour spaces, texture transforms, alpha modes, vertex colours) and the ORIGINAL .hdr through three's
 * HDRLoader, so that the peer never inherits a misreading of our importer. Only the bench's conventions are
 * shared with our side: the camera framing of a file without a camera, the image aspect and the
 * environment's radiance when the asset has no map. (Nothing of lib/scene/ is imported here: it is
 * Node-only, and the point is not to use it.)
 */
import {
  DataTexture,
  EquirectangularReflectionMapping,
  FloatType,
  LinearFilter,
  LinearSRGBColorSpace,
  type Material,
  Mesh,
  PerspectiveCamera,
  RGBAFormat,
  Scene,
  type Texture,
} from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { HDRLoader } from 'three/examples/jsm/loaders/HDRLoader.js';
import type { CameraDescription } from '../../lib/protocol/scene-info';
import type { AssetScene } from '../bench-render/protocol';

export interface PeerAsset {
  scene: Scene;
  camera: PerspectiveCamera;
  /** The largest texture side in the file: the peer resamples every texture to one size (its texture array). */
  largestTexture: number;
  notes: string[];
}

/** The material slots three-gpu-pathtracer reads a texture from. */
const TEXTURE_SLOTS = [
  'map',
  'normalMap',
  'roughnessMap',
  'metalnessMap',
  'emissiveMap',
  'alphaMap',
  'transmissionMap',
  'clearcoatMap',
  'clearcoatNormalMap',
  'clearcoatRoughnessMap',
  'sheenColorMap',
  'sheenRoughnessMap',
  'iridescenceMap',
  'iridescenceThicknessMap',
  'specularColorMap',
  'specularIntensityMap',
] as const;

export async function loadAssetForPeer(asset: AssetScene, aspect: number): Promise<PeerAsset> {
  const notes: string[] = [];
  const response = await fetch(asset.url);
  if (!response.ok) throw new Error(`GET ${asset.url}: ${response.status}`);
  const gltf = await new GLTFLoader().parseAsync(await response.arrayBuffer(), '');
  // The file's default scene (GLTFLoader's Group) under a three Scene, which carries the environment.
  const scene = new Scene();
  scene.add(gltf.scene);
  scene.updateMatrixWorld(true);

  let largestTexture = 1;
  scene.traverse((object) => {
    if (!(object instanceof Mesh)) return;
    const materials: Material[] = Array.isArray(object.material) ? object.material : [object.material];
    for (const material of materials) {
      const textures = TEXTURE_SLOTS.map(
        (slot) => (material as unknown as Record<string, Texture | null>)[slot],
      ).filter((t): t is Texture => !!t);
      for (const t of textures) {
        const image = t.image as { width?: number; height?: number } | undefined;
        largestTexture = Math.max(largestTexture, image?.width ?? 1, image?.height ?? 1);
      }
      // The peer's WebGL path tracer reads every texture through UV set 0 (it ignores Texture.channel). A
      // material whose textures all use TEXCOORD_1 renders right if its geometry's second set becomes the
      // first; the loader cloned those textures (texCoord > 0), so changing their channel touches no other.
      const second = textures.filter((t) => t.channel === 1);
      const uv1 = object.geometry.getAttribute('uv1');
      if (second.length > 0 && second.length === textures.length && uv1) {
        object.geometry = object.geometry.clone();
        object.geometry.setAttribute('uv', uv1);
        for (const t of second) t.channel = 0;
        notes.push(`'${material.name}': all its textures use TEXCOORD_1, given to the peer as its UV set 0`);
      } else if (second.length > 0 || textures.some((t) => t.channel > 1)) {
        notes.push(`'${material.name}' mixes UV sets: the peer reads all its textures through TEXCOORD_0`);
      }
    }
  });

  const camera = cameraFor(gltf.cameras, asset.framing, aspect, notes);
  const environment =
    asset.environment.type === 'map'
      ? rgbeAsRadiance(await new HDRLoader().setDataType(FloatType).loadAsync(asset.environment.url), notes)
      : uniformEquirect(asset.environment.radiance);
  // Equirectangular in three's convention: u = atan2(z, x) / 2π + ½, top row +y (main.ts's orientation
  // probe checks the peer against it). The same map lights the scene and is what camera rays see.
  environment.mapping = EquirectangularReflectionMapping;
  scene.environment = environment;
  scene.background = environment;
  scene.environmentIntensity = 1;
  scene.backgroundIntensity = 1;
  return { scene, camera, largestTexture, notes };
}

/**
 * The file's first perspective camera, as our importer takes it (its aspect ratio replaced by the image's),
 * or, without one, the automatic view main.ts computed (AssetScene.framing): a convention of the bench,
 * not a reading of the file.
 */
function cameraFor(
  cameras: unknown[],
  view: CameraDescription,
  aspect: number,
  notes: string[],
): PerspectiveCamera {
  const found = cameras.find((c): c is PerspectiveCamera => c instanceof PerspectiveCamera);
  if (found) {
    found.aspect = aspect;
    found.updateProjectionMatrix();
    found.updateMatrixWorld(true);
    return found;
  }
  notes.push('no camera in the file: framed as our importer frames such a scene');
  const camera = new PerspectiveCamera((view.yfov * 180) / Math.PI, aspect, 0.01, 1000);
  camera.position.set(...view.position);
  camera.up.set(...view.up);
  camera.lookAt(...view.target);
  camera.updateMatrixWorld(true);
  return camera;
}

/**
 * three's HDRLoader decodes an RGBE texel as mantissa / 255 x 2^(e - 128); the format's writers (Radiance,
 * Walter's rgbe.c) and readers (rgbe.c, stb_image, ours: lib/scene/radiance-hdr.ts) use mantissa / 256, which
 * is what the bench's .hdr was encoded with (environment-map.ts). Scaled by 255 / 256, the peer sees the
 * radiance that was written, as ours does; otherwise the peer's scene is 0.4 % brighter before any light
 * transport (the ratio of mean luminance would count a file reading as a rendering difference).
 */
function rgbeAsRadiance(texture: DataTexture, notes: string[]): DataTexture {
  const data = texture.image.data as Float32Array;
  for (let i = 0; i < data.length; i++) if (i % 4 !== 3) data[i] = (data[i] as number) * (255 / 256);
  texture.needsUpdate = true;
  notes.push(
    "the .hdr through three's HDRLoader, scaled by 255/256 (it divides RGBE mantissas by 255, not 256)",
  );
  return texture;
}

/** A constant equirectangular map: the peer samples an environment only from a texture. */
function uniformEquirect(radiance: number): DataTexture {
  // Not smaller: the peer's inverse-CDF tables stop half a row short of each pole and sample that half row
  // at its inner edge, which counts a polar cap in proportion to sin θ at its edge, about twice its share.
  // At 8 rows the zenith cap holds 3.8 % of a horizontal surface's cosine-weighted light, so a rough metal
  // plane came out 3.7 % bright (measured, bench:fidelity --diagnose); at 128 rows the cap is 0.7° and its
  // share 1.5e-4.
  const [w, h] = [256, 128];
  const data = new Float32Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([radiance, radiance, radiance, 1], i * 4);
  const texture = new DataTexture(data, w, h, RGBAFormat, FloatType);
  texture.colorSpace = LinearSRGBColorSpace;
  texture.minFilter = LinearFilter;
  texture.magFilter = LinearFilter;
  texture.needsUpdate = true;
  return texture;
}
