/**
 * Small animated glTF files built in tests with glTF-Transform, as a user's exporter would write them: a
 * node tree of boxes and quads, keyframe tracks on nodes, an optional camera, morph targets and skins. The
 * same description without tracks and with the transforms of one instant is that instant's still scene.
 */
import { type Document, Document as GltfDocument, type Node as GltfNode, WebIO } from '@gltf-transform/core';
import { KHRLightsPunctual } from '@gltf-transform/extensions';
import type { Interpolation } from '../scene/scene-description';

export interface Track {
  path: 'translation' | 'rotation' | 'scale' | 'weights';
  interpolation?: Interpolation;
  times: number[];
  /** Components per key (3 or 4; CUBICSPLINE: in-tangent, value, out-tangent per key). */
  values: number[];
}

export interface NodeSpec {
  name: string;
  /** A unit cube scaled by `size` about the node's origin, or a one-sided quad (see `quad`). */
  mesh?:
    | { kind: 'box'; size: number }
    | { kind: 'quad'; size: number; facing: 'up' | 'down' }
    /** One triangle in the y = 0 plane facing -y, corners (-s/2, -s/2), (s/2, -s/2), (0, s/2) in x, z. */
    | { kind: 'triangle'; size: number };
  baseColor?: [number, number, number];
  /** Default 1 (matte) and 0. */
  roughness?: number;
  metallic?: number;
  emissive?: [number, number, number];
  translation?: [number, number, number];
  rotation?: [number, number, number, number];
  scale?: [number, number, number];
  tracks?: Track[];
  /** A KHR_lights_punctual point light on this node (white, intensity in candela). */
  pointLight?: { intensity: number };
  /** A perspective camera on this node (yfov in radians). */
  camera?: { yfov: number };
  /** The mesh gets a morph target (and the file a weights track). */
  morph?: boolean;
  /** The node gets a skin whose one joint is its first child. */
  skin?: boolean;
  children?: NodeSpec[];
}

/** A binary glTF (.glb) of these root nodes, one scene. */
export async function buildGlb(roots: NodeSpec[]): Promise<Uint8Array> {
  const doc = new GltfDocument();
  const buffer = doc.createBuffer();
  const scene = doc.createScene('scene');
  const animation = doc.createAnimation('motion');
  const lights = doc.createExtension(KHRLightsPunctual);
  let animated = false;
  const add = (spec: NodeSpec): GltfNode => {
    const node = doc.createNode(spec.name);
    if (spec.translation) node.setTranslation(spec.translation);
    if (spec.rotation) node.setRotation(spec.rotation);
    if (spec.scale) node.setScale(spec.scale);
    if (spec.mesh) node.setMesh(meshOf(doc, buffer, spec));
    if (spec.camera) {
      node.setCamera(
        doc.createCamera(spec.name).setType('perspective').setYFov(spec.camera.yfov).setZNear(0.01),
      );
    }
    if (spec.pointLight) {
      node.setExtension(
        'KHR_lights_punctual',
        lights.createLight(spec.name).setType('point').setIntensity(spec.pointLight.intensity),
      );
    }
    for (const track of spec.tracks ?? []) {
      const input = doc.createAccessor().setType('SCALAR').setArray(new Float32Array(track.times));
      const width = track.path === 'rotation' ? 'VEC4' : track.path === 'weights' ? 'SCALAR' : 'VEC3';
      const output = doc.createAccessor().setType(width).setArray(new Float32Array(track.values));
      input.setBuffer(buffer);
      output.setBuffer(buffer);
      const sampler = doc
        .createAnimationSampler()
        .setInput(input)
        .setOutput(output)
        .setInterpolation(track.interpolation ?? 'LINEAR');
      animation.addSampler(sampler);
      animation.addChannel(
        doc.createAnimationChannel().setTargetNode(node).setTargetPath(track.path).setSampler(sampler),
      );
      animated = true;
    }
    for (const child of spec.children ?? []) node.addChild(add(child));
    if (spec.skin) {
      const joint = node.listChildren()[0];
      if (!joint) throw new Error(`skinned node ${spec.name} needs a child as its joint`);
      node.setSkin(doc.createSkin(`${spec.name} skin`).addJoint(joint));
    }
    return node;
  };
  for (const root of roots) scene.addChild(add(root));
  doc.getRoot().setDefaultScene(scene);
  if (!animated) animation.dispose();
  if (
    !roots.some(function hasLight(n: NodeSpec): boolean {
      return !!n.pointLight || (n.children ?? []).some(hasLight);
    })
  ) {
    lights.dispose();
  }
  return new WebIO().registerExtensions([KHRLightsPunctual]).writeBinary(doc);
}

function meshOf(doc: Document, buffer: ReturnType<Document['createBuffer']>, spec: NodeSpec) {
  const shape = spec.mesh;
  if (!shape) throw new Error('no mesh');
  const positions: number[] = [];
  const normals: number[] = [];
  const h = shape.size / 2;
  // Each face: four corners counter-clockwise seen from outside (its normal side).
  const face = (n: [number, number, number], corners: [number, number, number][]) => {
    for (const c of corners) {
      positions.push(...c);
      normals.push(...n);
    }
  };
  if (shape.kind === 'triangle') {
    positions.push(-h, 0, -h, h, 0, -h, 0, 0, h);
    normals.push(0, -1, 0, 0, -1, 0, 0, -1, 0);
  } else if (shape.kind === 'quad') {
    const up = shape.facing === 'up';
    const corners: [number, number, number][] = [
      [-h, 0, -h],
      [-h, 0, h],
      [h, 0, h],
      [h, 0, -h],
    ];
    face(up ? [0, 1, 0] : [0, -1, 0], up ? corners : [...corners].reverse());
  } else {
    face(
      [1, 0, 0],
      [
        [h, -h, h],
        [h, -h, -h],
        [h, h, -h],
        [h, h, h],
      ],
    );
    face(
      [-1, 0, 0],
      [
        [-h, -h, -h],
        [-h, -h, h],
        [-h, h, h],
        [-h, h, -h],
      ],
    );
    face(
      [0, 1, 0],
      [
        [-h, h, h],
        [h, h, h],
        [h, h, -h],
        [-h, h, -h],
      ],
    );
    face(
      [0, -1, 0],
      [
        [-h, -h, -h],
        [h, -h, -h],
        [h, -h, h],
        [-h, -h, h],
      ],
    );
    face(
      [0, 0, 1],
      [
        [-h, -h, h],
        [h, -h, h],
        [h, h, h],
        [-h, h, h],
      ],
    );
    face(
      [0, 0, -1],
      [
        [h, -h, -h],
        [-h, -h, -h],
        [-h, h, -h],
        [h, h, -h],
      ],
    );
  }
  const indices: number[] = shape.kind === 'triangle' ? [0, 1, 2] : [];
  for (let q = 0; shape.kind !== 'triangle' && q < positions.length / 12; q++)
    indices.push(4 * q, 4 * q + 1, 4 * q + 2, 4 * q, 4 * q + 2, 4 * q + 3);
  const accessor = (type: 'VEC3' | 'SCALAR', array: Float32Array<ArrayBuffer> | Uint16Array<ArrayBuffer>) =>
    doc.createAccessor().setType(type).setArray(array).setBuffer(buffer);
  const material = doc
    .createMaterial(`${spec.name} material`)
    .setBaseColorFactor([...(spec.baseColor ?? [0.8, 0.8, 0.8]), 1])
    .setRoughnessFactor(spec.roughness ?? 1)
    .setMetallicFactor(spec.metallic ?? 0)
    .setEmissiveFactor(spec.emissive ?? [0, 0, 0])
    .setDoubleSided(false);
  const primitive = doc
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', new Float32Array(positions)))
    .setAttribute('NORMAL', accessor('VEC3', new Float32Array(normals)))
    .setIndices(accessor('SCALAR', new Uint16Array(indices)))
    .setMaterial(material);
  if (spec.morph) {
    const target = doc
      .createPrimitiveTarget(`${spec.name} bulge`)
      .setAttribute('POSITION', accessor('VEC3', new Float32Array(positions.map((p) => p * 0.5))));
    primitive.addTarget(target);
  }
  return doc.createMesh(spec.name).addPrimitive(primitive);
}

/** The quaternion (x, y, z, w) of a turn by `radians` about a unit axis. */
export function axisAngle(axis: [number, number, number], radians: number): [number, number, number, number] {
  const s = Math.sin(radians / 2);
  return [axis[0] * s, axis[1] * s, axis[2] * s, Math.cos(radians / 2)];
}
