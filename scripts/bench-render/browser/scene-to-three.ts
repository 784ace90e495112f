/**
 * SceneDescription -> three.js, for three-gpu-pathtracer: one BufferGeometry per material, materials as
 * MeshStandardMaterial (MeshPhysicalMaterial where there is transmission), the camera as a PerspectiveCamera,
 * and every rectangular emitter doubled by a RectAreaLight.
 *
 * Why the light: three-gpu-pathtracer samples only its light objects (and the environment) directly; an
 * emissive mesh is found by BSDF sampling alone, which on the Cornell box is hopelessly noisy. Lights are
 * invisible to camera rays, though, so the emissive mesh must stay for the camera to see the light. Having
 * both without counting the light twice takes some staging (per emitter, along its emission normal n):
 *
 *   - the RectAreaLight sits LIGHT_OFFSET in front of the mesh (towards the room), same size and radiance,
 *     facing n: light samples reach it, and BSDF rays hit it first and are weighted by MIS, as they should;
 *   - the emissive mesh stays where it is with `castShadow = false`: the peer lets "shadow" rays (its name
 *     for rays whose specular pdf lost a coin flip: nearly every ray off a diffuse surface) pass through
 *     such a surface without adding its emission, so those rays, already counted at the light, do not
 *     count the mesh too; camera rays stop on it and see its emission, as they should;
 *   - a black quad OCCLUDER_OFFSET behind the mesh stops the rays that went through, standing in for the
 *     opaque back of our emitter (otherwise they would go on to the ceiling above the light).
 *
 * What this cannot fix (measured, see the report): rays that are not "shadow" rays (off the mirror, and a
 * few percent off diffuse surfaces) count the light twice, at the light with MIS and at the mesh; and the
 * peer's light sampling itself comes out darker than its BSDF sampling of the same light. The light BEHIND
 * the mesh would be worse: a ray through the mesh restarts there, and the peer then computes the light's
 * pdf from that point, 1 mm away, so the MIS weight of every such hit becomes ~1 (1.6x too bright).
 *
 * `emitters: 'light-only'` is the other choice, kept as a cross-check: the RectAreaLight alone where the
 * emitter was, with the occluder behind it, and no emissive mesh. Nothing is counted twice, but the camera
 * cannot see the light, so errors must then be measured without the pixels that see an emitter.
 *
 * Colours in SceneDescription are linear and are set as linear (Color.setRGB with LinearSRGBColorSpace), so
 * no sRGB conversion happens anywhere. The environment is black: the peer's scenes get
 * `scene.background = black` and no `scene.environment`, which matches the boxes only (not the showcase's sky).
 *
 * Materials carry the full set our renderer reads (toThreeMaterial): base colour, metallic-roughness (as
 * the peer's roughnessMap and metalnessMap, G and B), normal map with its scale, emissive map, alpha MASK
 * (alphaTest) and BLEND (transparent, the peer's stochastic opacity), vertex colours, each slot's
 * KHR_texture_transform (as the texture matrix), wrap modes and colour space (sRGB for colour, linear for
 * data). Geometry gets our tangents (packScene's generated ones where the scene has none, so both use the
 * same frame) and COLOR_0. Not reproducible: the peer reads every texture through UV set 0 (a material
 * whose textures all use TEXCOORD_1 gets that set as its first) and resamples all textures bilinearly
 * into one array, so a nearest-filtered slot is filtered; both are noted.
 */
import {
  BufferAttribute,
  BufferGeometry,
  ClampToEdgeWrapping,
  Color,
  DataTexture,
  DoubleSide,
  FrontSide,
  LinearSRGBColorSpace,
  type Material,
  Matrix3,
  Matrix4,
  Mesh,
  MeshPhysicalMaterial,
  MeshStandardMaterial,
  MirroredRepeatWrapping,
  NearestFilter,
  PerspectiveCamera,
  RectAreaLight,
  RepeatWrapping,
  Scene,
  SRGBColorSpace,
  type Texture,
  Vector2,
  Vector3,
  type Wrapping,
} from 'three';
import { generatedTangent } from '../../../lib/scene/generated-tangents';
import type {
  MaterialDescription,
  SceneDescription,
  TextureBinding,
  TextureWrap,
  Vec3,
} from '../../../lib/scene/scene-description';
import type { EmitterStaging } from '../protocol';

/** How far in front of the emissive mesh the light sits, and the occluder behind it: far below a pixel. */
const LIGHT_OFFSET = 1e-3;
const OCCLUDER_OFFSET = 1e-3;

export interface ThreeScene {
  scene: Scene;
  camera: PerspectiveCamera;
  /** What the conversion could not reproduce, in words. */
  notes: string[];
}

export function sceneToThree(
  description: SceneDescription,
  aspect: number,
  emitters: EmitterStaging = 'staged',
): ThreeScene {
  const scene = new Scene();
  // An opaque black background: the boxes' environment, and what the peer needs to blend correctly.
  scene.background = new Color(0, 0, 0);
  const notes: string[] = [];

  description.materials.forEach((m, index) => {
    const triangles = trianglesOf(description, index);
    if (triangles.length === 0) return;
    const material = toThreeMaterial(m, description, notes);
    const emitter = maxComponent(m.emissive) > 0 ? rectangleOf(description, triangles) : null;
    if (emitter) {
      scene.add(rectLight(emitter, m.emissive, emitters), occluder(emitter));
      if (emitters === 'light-only') return;
      // A field only three-gpu-pathtracer reads (its typings augment a three.js path that @types/three
      // does not export, so TypeScript does not see it).
      Object.assign(material, { castShadow: false });
    } else if (maxComponent(m.emissive) > 0) {
      notes.push(`emitter '${m.name}' is not a rectangle: the peer finds it by BSDF sampling only`);
    }
    scene.add(new Mesh(geometryOf(description, triangles, m), material));
  });

  const c = description.camera;
  const camera = new PerspectiveCamera((c.yfov * 180) / Math.PI, aspect, 0.01, 1000);
  camera.position.set(...c.position);
  camera.up.set(...c.up);
  camera.lookAt(...c.target);
  camera.updateMatrixWorld();
  return { scene, camera, notes };
}

function trianglesOf(d: SceneDescription, material: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < d.materialIndices.length; t++) if (d.materialIndices[t] === material) out.push(t);
  return out;
}

/** The texture slots of a material that are set. */
function bindingsOf(m: MaterialDescription): TextureBinding[] {
  return [m.baseColorTexture, m.metallicRoughnessTexture, m.normalTexture, m.emissiveTexture].filter(
    (b): b is TextureBinding => !!b,
  );
}

/**
 * The peer reads every texture through its UV set 0: a material whose textures all use TEXCOORD_1 gets that
 * set there (what the scene means); a mix keeps TEXCOORD_0 (toThreeMaterial notes it).
 */
function usesSecondSetOnly(m: MaterialDescription): boolean {
  const bindings = bindingsOf(m);
  return bindings.length > 0 && bindings.every((b) => b.texCoord === 1);
}

function geometryOf(d: SceneDescription, triangles: number[], m: MaterialDescription): BufferGeometry {
  const positions = new Float32Array(triangles.length * 9);
  const normals = new Float32Array(triangles.length * 9);
  const uvs = new Float32Array(triangles.length * 6);
  const tangents = new Float32Array(triangles.length * 12);
  const colors = d.colors && m.vertexColors ? new Float32Array(triangles.length * 12) : null;
  const uvSource = usesSecondSetOnly(m) && d.uvs1 ? d.uvs1 : d.uvs;
  // The tangents packScene gives the kernel: the scene's own, or generated from the normal map's UV set.
  const normalUvs = m.normalTexture?.texCoord === 1 && d.uvs1 ? d.uvs1 : d.uvs;
  triangles.forEach((t, i) => {
    positions.set(d.positions.subarray(t * 9, t * 9 + 9), i * 9);
    normals.set(d.normals.subarray(t * 9, t * 9 + 9), i * 9);
    uvs.set(uvSource.subarray(t * 6, t * 6 + 6), i * 6);
    const own = d.tangents?.subarray(t * 12, t * 12 + 12);
    for (let v = 0; v < 3; v++) {
      const tangent = own?.subarray(4 * v, 4 * v + 4);
      const usable = tangent && Math.hypot(tangent[0] ?? 0, tangent[1] ?? 0, tangent[2] ?? 0) > 0;
      tangents.set(usable ? tangent : generatedTangent(d.positions, normalUvs, t), i * 12 + 4 * v);
    }
    if (colors && d.colors) colors.set(d.colors.subarray(t * 12, t * 12 + 12), i * 12);
  });
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(positions, 3));
  geometry.setAttribute('normal', new BufferAttribute(normals, 3));
  geometry.setAttribute('uv', new BufferAttribute(uvs, 2));
  geometry.setAttribute('tangent', new BufferAttribute(tangents, 4));
  if (colors) geometry.setAttribute('color', new BufferAttribute(colors, 4));
  return geometry;
}

const WRAPPING: Record<TextureWrap, Wrapping> = {
  repeat: RepeatWrapping,
  clamp: ClampToEdgeWrapping,
  mirror: MirroredRepeatWrapping,
};

/**
 * One slot's texture for three: the texels (sRGB-encoded with row 0 at v = 0, as glTF; DataTexture does
 * not flip), the colour space the slot reads them in, its wrap modes and filter, and its UV transform as
 * the texture matrix (three: uv' = matrix x (u, v, 1), the same row-major 2x3 as ours).
 */
function textureOf(
  binding: TextureBinding,
  d: SceneDescription,
  colorSpace: typeof SRGBColorSpace | typeof LinearSRGBColorSpace,
): Texture | null {
  const t = d.textures[binding.texture];
  if (!t) return null;
  const texture = new DataTexture(t.rgba, t.width, t.height);
  texture.colorSpace = colorSpace;
  texture.wrapS = WRAPPING[binding.wrapS];
  texture.wrapT = WRAPPING[binding.wrapT];
  if (binding.nearest) texture.magFilter = NearestFilter;
  const [a, b, c, e, f, g] = binding.transform;
  const matrix = new Matrix3().set(a, b, c, e, f, g, 0, 0, 1);
  // three rebuilds texture matrices from offset, repeat and rotation (the peer does so while it copies the
  // texture into its array, and when it writes its materials), and those cannot hold glTF's translation x
  // rotation x scale with a non-uniform scale: this texture's matrix is the binding's, whoever rebuilds it.
  texture.updateMatrix = () => {
    texture.matrix.copy(matrix);
  };
  texture.updateMatrix();
  texture.needsUpdate = true;
  return texture;
}

function linear(rgb: readonly number[]): Color {
  return new Color().setRGB(rgb[0] ?? 0, rgb[1] ?? 0, rgb[2] ?? 0, LinearSRGBColorSpace);
}

function maxComponent(v: Readonly<Vec3>): number {
  return Math.max(v[0], v[1], v[2]);
}

function toThreeMaterial(m: MaterialDescription, d: SceneDescription, notes: string[]): MeshStandardMaterial {
  const peak = maxComponent(m.emissive);
  const slot = (binding: TextureBinding | null | undefined, srgb: boolean) =>
    binding ? textureOf(binding, d, srgb ? SRGBColorSpace : LinearSRGBColorSpace) : null;
  // glTF metallic-roughness texture: roughness in G, metalness in B; the peer reads exactly those channels.
  const metallicRoughness = slot(m.metallicRoughnessTexture, false);
  const scale = m.normalScale ?? 1;
  const bindings = bindingsOf(m);
  if (bindings.some((b) => b.texCoord === 1) && !usesSecondSetOnly(m)) {
    notes.push(`material '${m.name}' mixes UV sets: the peer reads all its textures through TEXCOORD_0`);
  }
  if (bindings.some((b) => b.nearest)) {
    notes.push(`material '${m.name}': the peer filters its nearest-sampled textures bilinearly`);
  }
  const alphaMode = m.alphaMode ?? 'opaque';
  const parameters = {
    color: linear(m.baseColor),
    metalness: m.metallic,
    roughness: m.roughness,
    // three.js keeps emissive colours in [0, 1] by convention; the radiance scale goes in the intensity.
    emissive: peak > 0 ? linear(m.emissive.map((e) => e / peak)) : new Color(0, 0, 0),
    emissiveIntensity: peak,
    map: slot(m.baseColorTexture, true),
    roughnessMap: metallicRoughness,
    metalnessMap: metallicRoughness,
    normalMap: slot(m.normalTexture, false),
    normalScale: new Vector2(scale, scale),
    emissiveMap: peak > 0 ? slot(m.emissiveTexture, true) : null,
    vertexColors: !!(m.vertexColors && d.colors),
    // MASK: the peer skips a hit where alpha < alphaTest, as ours; BLEND: `transparent` makes it pass a hit
    // with probability 1 - alpha (stochastic opacity), as ours. OPAQUE ignores alpha on both sides.
    alphaTest: alphaMode === 'mask' ? (m.alphaCutoff ?? 0.5) : 0,
    transparent: alphaMode === 'blend',
    opacity: alphaMode === 'opaque' ? 1 : m.baseColor[3],
    // Both renderers skip back faces of single-sided materials (glass keeps both faces in ours).
    side: m.doubleSided === false && m.transmission === 0 ? FrontSide : DoubleSide,
  };
  if (m.transmission > 0) {
    return new MeshPhysicalMaterial({
      ...parameters,
      transmission: m.transmission,
      ior: m.ior,
      thickness: 0,
    });
  }
  return new MeshStandardMaterial(parameters);
}

interface Rectangle {
  center: Vector3;
  /** Edge vectors from one corner; |u|, |v| are the side lengths, u ⟂ v. */
  u: Vector3;
  v: Vector3;
  /** Unit normal of the emitting (front) side. */
  normal: Vector3;
}

/**
 * The rectangle two triangles make (SceneBuilder.quad's emitters), or null for any other emitter shape. The
 * emitting side is the one the shading normals point to (our emitters are one-sided, front face only).
 */
function rectangleOf(d: SceneDescription, triangles: number[]): Rectangle | null {
  if (triangles.length !== 2) return null;
  const corners: Vector3[] = [];
  for (const t of triangles) {
    for (let k = 0; k < 3; k++) {
      const p = new Vector3().fromArray(d.positions, t * 9 + k * 3);
      if (!corners.some((q) => q.distanceTo(p) < 1e-6)) corners.push(p);
    }
  }
  const [p0, ...rest] = corners;
  if (!p0 || rest.length !== 3) return null;
  // The corner farthest from p0 is its diagonal opposite; the other two are its neighbours.
  rest.sort((a, b) => a.distanceTo(p0) - b.distanceTo(p0));
  const [p1, p3, p2] = rest as [Vector3, Vector3, Vector3];
  const u = p1.clone().sub(p0);
  const v = p3.clone().sub(p0);
  const size = Math.max(u.length(), v.length());
  const isRectangle =
    p0.clone().add(u).add(v).distanceTo(p2) < 1e-5 * size && Math.abs(u.dot(v)) < 1e-5 * size ** 2;
  if (!isRectangle) return null;
  const first = triangles[0] as number;
  const normal = new Vector3().fromArray(d.normals, first * 9).normalize();
  const center = p0.clone().add(p2).multiplyScalar(0.5);
  return { center, u, v, normal };
}

/**
 * A RectAreaLight with the emitter's size and radiance (the peer emits `color x intensity` as radiance).
 * The peer's light faces its local -z (its normal is u x v and it is hit from that side), so the local
 * axes are x = u, y = v, z = -normal, with u and v swapped where needed to keep the basis right-handed.
 */
function rectLight(r: Rectangle, emissive: Readonly<Vec3>, emitters: EmitterStaging): RectAreaLight {
  const peak = maxComponent(emissive);
  const z = r.normal.clone().negate();
  let [u, v] = [r.u, r.v];
  if (u.clone().cross(v).dot(z) < 0) [u, v] = [v, u];
  const light = new RectAreaLight(linear(emissive.map((e) => e / peak)), peak, u.length(), v.length());
  const basis = new Matrix4().makeBasis(u.clone().normalize(), v.clone().normalize(), z);
  light.quaternion.setFromRotationMatrix(basis);
  light.position.copy(r.center).addScaledVector(r.normal, emitters === 'staged' ? LIGHT_OFFSET : 0);
  light.updateMatrixWorld();
  return light;
}

/** A black, two-sided quad just behind the emitter (see the file comment). */
function occluder(r: Rectangle): Mesh {
  const corner = r.center.clone().addScaledVector(r.normal, -OCCLUDER_OFFSET);
  corner.addScaledVector(r.u, -0.5).addScaledVector(r.v, -0.5);
  const p = [corner, corner.clone().add(r.u), corner.clone().add(r.u).add(r.v), corner.clone().add(r.v)];
  const positions = new Float32Array([0, 1, 2, 0, 2, 3].flatMap((i) => (p[i] as Vector3).toArray()));
  const normals = new Float32Array(Array.from({ length: 6 }, () => r.normal.toArray()).flat());
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(positions, 3));
  geometry.setAttribute('normal', new BufferAttribute(normals, 3));
  geometry.setAttribute('uv', new BufferAttribute(new Float32Array(12), 2));
  const material: Material = new MeshStandardMaterial({
    color: new Color(0, 0, 0),
    roughness: 1,
    metalness: 0,
    side: DoubleSide,
  });
  return new Mesh(geometry, material);
}
