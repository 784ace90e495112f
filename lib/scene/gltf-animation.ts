/**
 * A glTF's animations as the scene's animation (SceneDescription.animation, evaluated per frame by
 * lib/scene/animation.ts): which nodes move, which instance each drawn node belongs to, and the matrix that
 * takes a node's mesh into its instance's object space, so the importer stores each mesh's triangles once
 * and the frame's transforms move them.
 *
 * - Every TRS channel (translation, rotation, scale; STEP, LINEAR, CUBICSPLINE) of every animation of the
 *   file plays at once, on the glTF timeline (a frame f of a job is at f / fps seconds). Two channels on the
 *   same node and path: the first wins, with a warning naming the other animation.
 * - A drawn node (mesh or punctual light) under an animated node belongs to the instance of its nearest
 *   animated ancestor (or itself); everything else is instance 0, static, in world space. The nodes between
 *   that ancestor and the drawn node do not move, so the mesh's place in the instance is fixed.
 * - The camera moves when its node or an ancestor is animated.
 * - Channels that move nothing drawn (skin joints, empties) are dropped; weights channels (morph targets)
 *   are not supported and are named in a warning, as are skins and morph targets themselves.
 *
 * Every count is bounded (ANIMATION_LIMITS, MAX_INSTANCES) before values are copied, and the result is
 * checked by validateAnimation, so a malformed file gets a SceneImportError saying what to change.
 */
import type {
  AnimationChannel,
  AnimationSampler,
  Node as GltfNode,
  Scene as GltfScene,
  Root,
} from '@gltf-transform/core';
import { ANIMATION_LIMITS, restTransforms, validateAnimation } from './animation';
import { MAX_INSTANCES } from './packed-scene';
import type { InstanceDescription, RigChannel, RigNode, SceneAnimation, Vec3 } from './scene-description';
import { SceneImportError } from './scene-import-error';

/** The animation of an import: what the importer needs to place triangles, lights and the camera. */
export interface GltfRig {
  /** The instance a drawn node belongs to: 0 (static, world space) unless it hangs under a moving node. */
  instanceOf(node: GltfNode): number;
  /**
   * Column-major 4x4 matrix from `node`'s local space into its instance's object space: its world matrix
   * for instance 0, the product of the local matrices below the instance's node otherwise.
   */
  objectMatrix(node: GltfNode): number[];
  /** Instance 0 (static) first; one entry only when nothing moves. */
  instances: InstanceDescription[];
  /** Absent when nothing drawn moves. */
  animation?: SceneAnimation;
}

/** Warnings the user sees for what is rendered without its deformation (exported for tests). */
export const SKINS_NOT_SUPPORTED = 'Skins are not supported';
export const MORPH_TARGETS_NOT_SUPPORTED = 'Morph targets are not supported';

/** What the importer found in pass 1 that the rig needs to know about. */
export interface RigContents {
  /** Nodes that draw something: a mesh with triangles or a punctual light. */
  drawnNodes: ReadonlySet<GltfNode>;
  cameraNode: GltfNode | null;
  /** The camera's vertical field of view as the scene camera has it (radians, valid). */
  cameraYfov: number;
  /** Skinned meshes and meshes with morph targets, by name, for the warnings. */
  skinnedMeshes: ReadonlySet<string>;
  morphedMeshes: ReadonlySet<string>;
}

const CHANNEL_COMPONENTS = { translation: 3, rotation: 4, scale: 3 } as const;

export function readGltfAnimation(
  root: Root,
  scene: GltfScene,
  contents: RigContents,
  warnings: Set<string>,
): GltfRig {
  warnAboutDeformation(contents, warnings);

  // The scene's tree: parents, and which nodes have something drawn (or the camera) at or below them.
  const parent = new Map<GltfNode, GltfNode | null>();
  const preorder: GltfNode[] = [];
  const visit = (node: GltfNode, up: GltfNode | null) => {
    if (parent.has(node)) return; // glTF forbids a node with two parents; the first place is kept
    parent.set(node, up);
    preorder.push(node);
    for (const child of node.listChildren()) visit(child, node);
  };
  for (const child of scene.listChildren()) visit(child, null);
  const carriesContent = new Set<GltfNode>();
  for (const node of [...contents.drawnNodes, ...(contents.cameraNode ? [contents.cameraNode] : [])]) {
    for (let n: GltfNode | null | undefined = node; n && !carriesContent.has(n); n = parent.get(n)) {
      carriesContent.add(n);
    }
  }

  const channels = collectChannels(root, parent, carriesContent, warnings);
  const animated = new Set(channels.map((c) => c.node));
  const nearestAnimated = new Map<GltfNode, GltfNode | null>();
  for (const node of preorder) {
    const up = parent.get(node) ?? null;
    nearestAnimated.set(node, animated.has(node) ? node : up ? (nearestAnimated.get(up) ?? null) : null);
  }

  const staticRig: GltfRig = {
    instanceOf: () => 0,
    objectMatrix: (node) => Array.from(node.getWorldMatrix()),
    instances: [],
  };
  if (channels.length === 0) return staticRig;

  // Instances: one per animated node that carries drawn nodes, in tree order.
  const instanceNodes: GltfNode[] = [];
  const instanceIndex = new Map<GltfNode, number>();
  for (const node of preorder) {
    const owner = nearestAnimated.get(node);
    if (!owner || !contents.drawnNodes.has(node) || instanceIndex.has(owner)) continue;
    instanceIndex.set(owner, instanceNodes.length + 1);
    instanceNodes.push(owner);
  }
  if (instanceNodes.length + 1 > MAX_INSTANCES) {
    throw new SceneImportError(
      `The animation moves ${instanceNodes.length} separate objects; Lumengrid renders at most ${MAX_INSTANCES - 1}.`,
      {
        metaMessages: [
          'Parent objects that move together under one animated empty (Blender: Ctrl+P), or join them, and export again.',
        ],
      },
    );
  }

  // The rig: the animated nodes, the instances' and camera's nodes, and all their ancestors, parents first.
  const cameraMoves = contents.cameraNode ? !!nearestAnimated.get(contents.cameraNode) : false;
  const wanted = new Set<GltfNode>();
  const want = (node: GltfNode) => {
    for (let n: GltfNode | null | undefined = node; n && !wanted.has(n); n = parent.get(n)) wanted.add(n);
  };
  for (const node of animated) want(node);
  if (cameraMoves && contents.cameraNode) want(contents.cameraNode);
  const rigOrder = preorder.filter((node) => wanted.has(node));
  if (rigOrder.length > ANIMATION_LIMITS.maxNodes) {
    throw new SceneImportError(
      `The animation involves ${rigOrder.length} nodes, more than the ${ANIMATION_LIMITS.maxNodes} Lumengrid evaluates.`,
      {
        metaMessages: [
          'Remove the animation of objects that do not need it, or join objects, and export again.',
        ],
      },
    );
  }
  const rigIndex = new Map(rigOrder.map((node, i) => [node, i]));
  const nodes: RigNode[] = rigOrder.map((node) => {
    const up = parent.get(node) ?? null;
    return {
      parent: up ? (rigIndex.get(up) as number) : -1,
      translation: [...node.getTranslation()] as Vec3,
      rotation: [...node.getRotation()] as RigNode['rotation'],
      scale: [...node.getScale()] as Vec3,
    };
  });

  const animation: SceneAnimation = {
    nodes,
    channels: channels.map(({ node, channel }) => readChannel(channel, rigIndex.get(node) as number)),
    instanceNodes: [-1, ...instanceNodes.map((node) => rigIndex.get(node) as number)],
    ...(cameraMoves && contents.cameraNode
      ? { camera: { node: rigIndex.get(contents.cameraNode) as number, yfov: contents.cameraYfov } }
      : {}),
  };
  const problem = validateAnimation(animation, instanceNodes.length + 1);
  if (problem !== null) {
    throw new SceneImportError(`The file's animation cannot be used: ${problem}`, {
      metaMessages: [
        'Re-export it (Blender: File > Export > glTF 2.0 with Animation checked, "Always Sample Animations" on).',
      ],
    });
  }
  const rest = restTransforms(animation);
  const instances: InstanceDescription[] = [
    { name: 'static', transform: rest[0] as InstanceDescription['transform'] },
    ...instanceNodes.map((node, i) => ({
      name: node.getName() || `node ${i + 1}`,
      transform: rest[i + 1] as InstanceDescription['transform'],
    })),
  ];

  return {
    instanceOf: (node) => {
      const owner = nearestAnimated.get(node);
      return owner ? (instanceIndex.get(owner) ?? 0) : 0;
    },
    objectMatrix: (node) => {
      const owner = nearestAnimated.get(node);
      if (!owner || !instanceIndex.has(owner)) return Array.from(node.getWorldMatrix());
      // The local matrices from just below the owner down to the node (none of them moves).
      let m = IDENTITY_4X4;
      for (let n: GltfNode | null | undefined = node; n && n !== owner; n = parent.get(n)) {
        m = multiply4(Array.from(n.getMatrix()), m);
      }
      return m;
    },
    instances,
    animation,
  };
}

/**
 * The TRS channels of every animation that move something drawn, after bounding their number and
 * keyframes. Weights channels are named in the morph-target warning; a second channel on a node's path is
 * dropped with a warning.
 */
function collectChannels(
  root: Root,
  parent: ReadonlyMap<GltfNode, GltfNode | null>,
  carriesContent: ReadonlySet<GltfNode>,
  warnings: Set<string>,
): { node: GltfNode; channel: AnimationChannel }[] {
  const animations = root.listAnimations();
  const total = animations.reduce((sum, a) => sum + a.listChannels().length, 0);
  if (total > ANIMATION_LIMITS.maxChannels) {
    throw new SceneImportError(
      `The file's animations have ${total.toLocaleString('en-US')} channels, more than the ${ANIMATION_LIMITS.maxChannels.toLocaleString('en-US')} limit.`,
      { metaMessages: ['Remove the animation of objects that do not need it and export again.'] },
    );
  }
  const kept: { node: GltfNode; channel: AnimationChannel }[] = [];
  const taken = new Map<string, string>();
  const nodeIds = new Map<GltfNode, number>();
  let keyframes = 0;
  animations.forEach((animation, a) => {
    const animationName = animation.getName() || `animation ${a}`;
    for (const channel of animation.listChannels()) {
      const node = channel.getTargetNode();
      const path = channel.getTargetPath();
      if (path === 'weights') {
        warnings.add(
          `${MORPH_TARGETS_NOT_SUPPORTED}: the morph target weights animated by "${animationName}" are ignored (meshes keep their base shape).`,
        );
        continue;
      }
      if (!node || !(path === 'translation' || path === 'rotation' || path === 'scale')) continue;
      // Nodes outside the rendered scene, or under which nothing is drawn, move nothing visible.
      if (!parent.has(node) || !carriesContent.has(node)) continue;
      const sampler = channel.getSampler();
      const input = sampler?.getInput();
      const output = sampler?.getOutput();
      if (!sampler || !input || !output) {
        warnings.add(`An animation channel of "${animationName}" has no keyframes; it is ignored.`);
        continue;
      }
      if (!nodeIds.has(node)) nodeIds.set(node, nodeIds.size);
      const key = `${nodeIds.get(node)}:${path}`;
      const first = taken.get(key);
      if (first !== undefined) {
        warnings.add(
          `Node "${node.getName()}"'s ${path} is animated by both "${first}" and "${animationName}"; "${first}" is used.`,
        );
        continue;
      }
      keyframes += input.getCount();
      if (keyframes > ANIMATION_LIMITS.maxKeyframes) {
        throw new SceneImportError(
          `The file's animations have more than ${ANIMATION_LIMITS.maxKeyframes.toLocaleString('en-US')} keyframes.`,
          {
            metaMessages: [
              'Bake it with fewer keys (Blender: Simplify F-Curves, or a larger sampling step) and export again.',
            ],
          },
        );
      }
      taken.set(key, animationName);
      kept.push({ node, channel });
    }
  });
  return kept;
}

/** One channel's keyframes as the scene keeps them (normalised integer outputs decoded to floats). */
function readChannel(channel: AnimationChannel, node: number): RigChannel {
  const sampler = channel.getSampler() as AnimationSampler;
  const input = sampler.getInput();
  const output = sampler.getOutput();
  const path = channel.getTargetPath() as RigChannel['path'];
  const interpolation = sampler.getInterpolation();
  const times: number[] = [];
  const element: number[] = [];
  for (let i = 0; i < (input?.getCount() ?? 0); i++) times.push(input?.getElement(i, element)[0] as number);
  const values: number[] = [];
  const n = CHANNEL_COMPONENTS[path];
  // An output of the wrong width is refused by validateAnimation through the value count.
  if (output && output.getElementSize() === n) {
    for (let i = 0; i < output.getCount(); i++) values.push(...output.getElement(i, element));
  }
  return {
    node,
    path,
    interpolation: interpolation === 'STEP' || interpolation === 'CUBICSPLINE' ? interpolation : 'LINEAR',
    times,
    values,
  };
}

/** Skinned and morphed meshes render undeformed: one warning each, naming (some of) the meshes. */
function warnAboutDeformation(contents: RigContents, warnings: Set<string>): void {
  const named = (names: ReadonlySet<string>) => {
    const list = [...names].slice(0, 5).map((name) => `"${name}"`);
    const more = names.size - list.length;
    return `${list.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  };
  if (contents.skinnedMeshes.size > 0) {
    warnings.add(
      `${SKINS_NOT_SUPPORTED}: ${named(contents.skinnedMeshes)} ${contents.skinnedMeshes.size === 1 ? 'is' : 'are'} rendered unskinned, in the bind pose, without the skeleton's animation.`,
    );
  }
  if (contents.morphedMeshes.size > 0) {
    warnings.add(
      `${MORPH_TARGETS_NOT_SUPPORTED}: ${named(contents.morphedMeshes)} ${contents.morphedMeshes.size === 1 ? 'is' : 'are'} rendered in the base shape.`,
    );
  }
}

const IDENTITY_4X4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

/** a x b for column-major 4x4 matrices. */
function multiply4(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(16).fill(0);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      let v = 0;
      for (let k = 0; k < 4; k++) v += (a[k * 4 + r] as number) * (b[c * 4 + k] as number);
      out[c * 4 + r] = v;
    }
  }
  return out;
}
