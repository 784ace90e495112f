import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { axisAngle, buildGlb, type NodeSpec } from '../testing/animated-gltf';
import { framePose, gunzipHeader } from '../work/frame-pose';
import { ANIMATION_LIMITS, framePoseAt } from './animation';
import { MORPH_TARGETS_NOT_SUPPORTED, SKINS_NOT_SUPPORTED } from './gltf-animation';
import { importGltf } from './import-gltf';
import { packScene } from './pack-scene';
import { readSceneFileHeader, serializePackedScene } from './scene-file';
import { SceneImportError } from './scene-import-error';

// The glTF importer's animation: files built with glTF-Transform as an exporter writes them, imported,
// packed, and posed by the coordinator's own function (framePose) at glTF time frame / fps.

const glb = async (roots: NodeSpec[]) => ({ files: new Map([['anim.glb', await buildGlb(roots)]]) });
const floor: NodeSpec = { name: 'floor', mesh: { kind: 'quad', size: 4, facing: 'up' } };
const light: NodeSpec = {
  name: 'light',
  mesh: { kind: 'quad', size: 1, facing: 'down' },
  emissive: [1, 1, 1],
  translation: [0, 3, 0],
};
const slide = (times: number[], xs: number[]) => ({
  path: 'translation' as const,
  times,
  values: xs.flatMap((x) => [x, 0.5, 0]),
});

/** The translation column of instance k's 3x4 transform in a pose. */
const translationOf = (transforms: number[], k: number) => [
  transforms[k * 12 + 3],
  transforms[k * 12 + 7],
  transforms[k * 12 + 11],
];

async function importPacked(roots: NodeSpec[]) {
  const imported = await importGltf(await glb(roots));
  return { ...imported, packed: packScene(imported.scene) };
}

describe('importGltf: animations', () => {
  it('makes a moving node an instance stored once in object space, its channels posed per frame', async () => {
    const box: NodeSpec = {
      name: 'box',
      mesh: { kind: 'box', size: 0.5 },
      translation: [-1, 0.5, 0],
      tracks: [slide([0, 1], [-1, 1])],
    };
    const { scene, packed, warnings, stats } = await importPacked([floor, light, box]);
    expect(warnings.join('\n')).not.toMatch(/animation|ignored/i);
    expect(stats.animationSeconds).toBe(1); // the job form offers frames 0..fps from it
    // Floor and light static (instance 0), the box's 12 triangles once, in its own space (centred on 0).
    expect(scene.instances?.map((i) => i.name)).toEqual(['static', 'box']);
    expect(packed.instances.map((i) => i.triangleCount)).toEqual([4, 12]);
    const boxTriangles = [...(scene.triangleInstances ?? [])].flatMap((k, t) => (k === 1 ? [t] : []));
    const xs = boxTriangles.flatMap((t) => [0, 3, 6].map((v) => scene.positions[9 * t + v] as number));
    expect(Math.min(...xs)).toBe(-0.25);
    expect(Math.max(...xs)).toBe(0.25);
    // At rest it stands where the file puts it; the scene bounds cover it there.
    expect(translationOf(packed.instances[1]?.transform as number[], 0)).toEqual([-1, 0.5, 0]);
    expect(packed.info.bounds.min[0]).toBe(-2);

    // Frame f at 24 fps is glTF time f / 24: frame 12 is halfway along the slide, frame 48 holds the end.
    const spec = { frames: { start: 0, end: 48, fps: 24 } };
    const poseScene = { ...packed.info, animation: packed.animation };
    const at = (frame: number) => framePose(spec, poseScene, frame).instanceTransforms as number[];
    expect(translationOf(at(0), 1)).toEqual([-1, 0.5, 0]);
    expect(translationOf(at(12), 1)).toEqual([0, 0.5, 0]);
    expect(translationOf(at(6), 1)).toEqual([-0.5, 0.5, 0]);
    expect(translationOf(at(48), 1)).toEqual([1, 0.5, 0]);
    // Instance 0 stays at the identity; no camera moves.
    expect(at(12).slice(0, 12)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
    expect(framePose(spec, poseScene, 12).camera).toBeUndefined();
  });

  it('reads STEP and CUBICSPLINE channels and rotations, and children move with their animated parent', async () => {
    const quarter = axisAngle([0, 1, 0], Math.PI / 2);
    const rig: NodeSpec = {
      name: 'rig',
      tracks: [
        { path: 'translation', interpolation: 'STEP', times: [0, 1], values: [0, 0, 0, 2, 0, 0] },
        { path: 'rotation', times: [0, 2], values: [0, 0, 0, 1, ...axisAngle([0, 1, 0], Math.PI)] },
        // CUBICSPLINE: (in-tangent, value, out-tangent) per key; scale 1 -> 3 with slope 0 at both ends.
        {
          path: 'scale',
          interpolation: 'CUBICSPLINE',
          times: [0, 2],
          values: [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 3, 3, 3, 0, 0, 0],
        },
      ],
      children: [{ name: 'arm', mesh: { kind: 'box', size: 0.2 }, translation: [1, 0, 0] }],
    };
    const { packed } = await importPacked([floor, light, rig]);
    expect(packed.instances.map((i) => i.name)).toEqual(['static', 'rig']);
    // The arm is stored in the rig's space: its box is centred on x = 1.
    const pose = framePoseAt(packed, 1);
    const m = pose.instanceTransforms.slice(12);
    // t = 1: STEP jumped to x = 2, rotation halfway (a quarter turn about y), scale at the spline's middle
    // (Hermite with flat ends: 1 + (3 - 1) / 2 = 2).
    expect(translationOf(m, 0)).toEqual([2, 0, 0]);
    const c = quarter[3] ** 2 - quarter[1] ** 2; // cos 90° from the quaternion, ~0
    expect(m[0]).toBeCloseTo(2 * c, 6);
    expect(m[2]).toBeCloseTo(2, 6); // row 0, column 2: sin 90° x scale 2
    expect(framePoseAt(packed, 0.999).instanceTransforms[12 + 3]).toBe(0);
  });

  it('moves the camera with its animated node', async () => {
    const camera: NodeSpec = {
      name: 'camera',
      camera: { yfov: 0.7 },
      translation: [0, 1, 5],
      tracks: [{ path: 'translation', times: [0, 2], values: [0, 1, 5, 0, 1, 9] }],
    };
    const { packed, scene } = await importPacked([floor, light, camera]);
    // Nothing drawn moves: only the camera (the scene camera is its rest pose).
    expect(packed.instances).toHaveLength(1);
    expect(scene.camera.position).toEqual([0, 1, 5]);
    const spec = { frames: { start: 0, end: 48, fps: 24 } };
    // Through the stored file as the coordinator reads it: the gzipped file's header only.
    const header = readSceneFileHeader(gunzipHeader(gzipSync(serializePackedScene(packed))));
    const pose = framePose(spec, { ...packed.info, animation: header.animation }, 24);
    expect(pose.camera?.position).toEqual([0, 1, 7]);
    expect(pose.camera?.target).toEqual([0, 1, 6]);
    expect(Math.fround(pose.camera?.yfov as number)).toBe(Math.fround(0.7));
    // A job's camera path still decides the camera over an animated scene.
    const orbit = framePose({ ...spec, cameraPath: { type: 'orbit', degrees: 90 } }, packed.info, 0);
    expect(orbit.camera?.position.map(Math.fround)).toEqual([0, 1, 5]);
  });

  it('moves a punctual light with its animated node, stored in that node’s space', async () => {
    const { packed, scene } = await importPacked([
      floor,
      {
        name: 'lamp rig',
        translation: [-1, 2, 0],
        tracks: [{ path: 'translation', times: [0, 1], values: [-1, 2, 0, 1, 2, 0] }],
        children: [{ name: 'lamp', pointLight: { intensity: 5 }, translation: [0, 0.5, 0] }],
      },
    ]);
    // An instance without triangles, holding the light at its place below the rig.
    expect(packed.instances.map((i) => [i.name, i.triangleCount])).toEqual([
      ['static', 2],
      ['lamp rig', 0],
    ]);
    expect(scene.punctualLights).toEqual([expect.objectContaining({ instance: 1, position: [0, 0.5, 0] })]);
    expect(translationOf(framePoseAt(packed, 0.5).instanceTransforms, 1)).toEqual([0, 2, 0]);
  });

  it('warns by name that skins and morph targets render undeformed, and still imports the motion', async () => {
    const { warnings, packed } = await importPacked([
      floor,
      light,
      {
        name: 'blob',
        mesh: { kind: 'box', size: 0.5 },
        morph: true,
        tracks: [{ path: 'weights', times: [0, 1], values: [0, 1] }, slide([0, 1], [0, 1])],
      },
      {
        name: 'body',
        mesh: { kind: 'box', size: 0.5 },
        skin: true,
        children: [{ name: 'bone', tracks: [slide([0, 1], [0, 1])] }],
      },
    ]);
    const text = warnings.join('\n');
    expect(text).toContain(`${MORPH_TARGETS_NOT_SUPPORTED}: "blob" is rendered in the base shape.`);
    expect(text).toMatch(/morph target weights animated by "motion" are ignored/);
    expect(text).toContain(`${SKINS_NOT_SUPPORTED}: "body" is rendered unskinned, in the bind pose`);
    expect(text).not.toMatch(/Animations are ignored/);
    // The morphed box's translation still plays; the bone moves nothing drawn, so it is no instance.
    expect(packed.instances.map((i) => i.name)).toEqual(['static', 'blob']);
  });

  it('refuses animations beyond the limits, or malformed, with what to do', async () => {
    const box = (tracks: NodeSpec['tracks']): NodeSpec => ({
      name: 'box',
      mesh: { kind: 'box', size: 1 },
      tracks,
    });
    const refusal = async (roots: NodeSpec[]) => {
      const error = await importGltf(await glb(roots)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SceneImportError);
      return error as SceneImportError;
    };
    const many = Array.from({ length: ANIMATION_LIMITS.maxChannels + 1 }, () => slide([0, 1], [0, 1]));
    const channels = await refusal([light, box(many)]);
    expect(channels.shortMessage).toMatch(/4,097 channels, more than the 4,096 limit/);

    const n = ANIMATION_LIMITS.maxKeyframes + 1;
    const times = Array.from({ length: n }, (_, i) => i / 1000);
    const keys = await refusal([light, box([slide(times, times)])]);
    expect(keys.shortMessage).toMatch(/more than 200,000 keyframes/);
    expect(keys.metaMessages?.join(' ')).toMatch(/fewer keys/);

    const backwards = await refusal([light, box([slide([0, 1, 0.5], [0, 1, 2])])]);
    expect(backwards.shortMessage).toMatch(/not strictly increasing/);
  });
});
