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
 */
import {
  BufferAttribute,
  BufferGeometry,
  Color,
  DataTexture,
  DoubleSide,
  FrontSide,
  LinearSRGBColorSpace,
  type Material,
  Matrix4,
  Mesh,
  MeshPhysicalMaterial,
  MeshStandardMaterial,
  PerspectiveCamera,
  RectAreaLight,
  RepeatWrapping,
  Scene,
  SRGBColorSpace,
  Vector3,
} from 'three';
import type { MaterialDescription, SceneDescription, Vec3 } from '../../../lib/scene/scene-description';
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

  const textures = description.textures.map((t) => {
    const texture = new DataTexture(t.rgba, t.width, t.height);
    // Our texels are sRGB-encoded with row 0 at v = 0 (glTF); DataTexture does not flip, so row 0 is v = 0.
    texture.colorSpace = SRGBColorSpace;
    texture.wrapS = RepeatWrapping;
    texture.wrapT = RepeatWrapping;
    texture.needsUpdate = true;
    return texture;
  });

  description.materials.forEach((m, index) => {
    const triangles = trianglesOf(description, index);
    if (triangles.length === 0) return;
    const material = toThreeMaterial(m, textures);
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
    scene.add(new Mesh(geometryOf(description, triangles), material));
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

function geometryOf(d: SceneDescription, triangles: number[]): BufferGeometry {
  const positions = new Float32Array(triangles.length * 9);
  const normals = new Float32Array(triangles.length * 9);
  const uvs = new Float32Array(triangles.length * 6);
  triangles.forEach((t, i) => {
    positions.set(d.positions.subarray(t * 9, t * 9 + 9), i * 9);
    normals.set(d.normals.subarray(t * 9, t * 9 + 9), i * 9);
    uvs.set(d.uvs.subarray(t * 6, t * 6 + 6), i * 6);
  });
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(positions, 3));
  geometry.setAttribute('normal', new BufferAttribute(normals, 3));
  geometry.setAttribute('uv', new BufferAttribute(uvs, 2));
  return geometry;
}

function linear(rgb: readonly number[]): Color {
  return new Color().setRGB(rgb[0] ?? 0, rgb[1] ?? 0, rgb[2] ?? 0, LinearSRGBColorSpace);
}

function maxComponent(v: Readonly<Vec3>): number {
  return Math.max(v[0], v[1], v[2]);
}

function toThreeMaterial(m: MaterialDescription, textures: DataTexture[]): MeshStandardMaterial {
  const peak = maxComponent(m.emissive);
  const parameters = {
    color: linear(m.baseColor),
    metalness: m.metallic,
    roughness: m.roughness,
    // three.js keeps emissive colours in [0, 1] by convention; the radiance scale goes in the intensity.
    emissive: peak > 0 ? linear(m.emissive.map((e) => e / peak)) : new Color(0, 0, 0),
    emissiveIntensity: peak,
    map: m.baseColorTexture ? (textures[m.baseColorTexture.texture] ?? null) : null,
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
