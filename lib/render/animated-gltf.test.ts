import { gzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FramePose } from '../protocol/frame-pose';
import type { RenderTask } from '../protocol/render-task';
import { importGltf } from '../scene/import-gltf';
import { packScene } from '../scene/pack-scene';
import type { PackedScene } from '../scene/packed-scene';
import { parsePackedScene, readSceneFileHeader, serializePackedScene } from '../scene/scene-file';
import { axisAngle, buildGlb, type NodeSpec } from '../testing/animated-gltf';
import { GPU_SETUP_TIMEOUT_MS, openTestTracer } from '../testing/gpu-test-setup';
import { bitsOf, differingFraction, gather, pixelMeans, renderHarness } from '../testing/test-scenes';
import { framePose, gunzipHeader } from '../work/frame-pose';
import type { PathTracer } from './path-tracer';

// An animated glTF through the whole way a frame takes: built as an exporter writes it, imported, packed,
// stored (its header read back as the coordinator reads it), posed by framePose at frame / fps and drawn by
// the path tracer (SwiftShader). Each frame must look like a still scene whose node stands, baked, at the
// transform the keyframes give in closed form. Images stay tiny.
let device: GPUDevice;
let tracer: PathTracer;

beforeAll(async () => {
  ({ device, tracer } = await openTestTracer());
}, GPU_SETUP_TIMEOUT_MS);
afterAll(() => device?.destroy());

const { task, render } = renderHarness(() => tracer);
const FPS = 24;
const SPEC = { frames: { start: 0, end: 24, fps: FPS } };

const floor: NodeSpec = { name: 'floor', mesh: { kind: 'quad', size: 5, facing: 'up' } };
const ceilingLight: NodeSpec = {
  name: 'ceiling light',
  mesh: { kind: 'quad', size: 1.2, facing: 'down' },
  emissive: [3, 3, 3],
  translation: [0, 2.6, 0],
};
const camera: NodeSpec = {
  name: 'camera',
  camera: { yfov: 0.9 },
  translation: [0, 1.8, 3],
  rotation: axisAngle([1, 0, 0], -Math.atan2(1.4, 3)),
};

/** The box of the first tests: over 1 s it slides from x = -1 to 1 and turns a quarter about +y. */
const SLIDE = { from: -1, to: 1, turn: Math.PI / 2 };
function box(pose?: { t: number }): NodeSpec {
  const base: NodeSpec = { name: 'box', mesh: { kind: 'box', size: 1 }, baseColor: [0.9, 0.3, 0.2] };
  if (pose) {
    // Closed form of the LINEAR keys at time t: x lerps; slerp between identity and a quarter turn turns
    // by t x a quarter turn.
    return {
      ...base,
      translation: [SLIDE.from + (SLIDE.to - SLIDE.from) * pose.t, 0.5, 0],
      rotation: axisAngle([0, 1, 0], SLIDE.turn * pose.t),
    };
  }
  return {
    ...base,
    translation: [SLIDE.from, 0.5, 0],
    tracks: [
      { path: 'translation', times: [0, 1], values: [SLIDE.from, 0.5, 0, SLIDE.to, 0.5, 0] },
      { path: 'rotation', times: [0, 1], values: [0, 0, 0, 1, ...axisAngle([0, 1, 0], SLIDE.turn)] },
    ],
  };
}

/**
 * The emitter of the moving-light test: over 1 s it slides, tilts about +z and grows unevenly (x 1 -> 1.6,
 * z 1 -> 1.3), so its area at a frame is not its area in the file. One triangle, so that light sampling
 * picks the same triangle with the same numbers in the animated and the baked scene (two triangles may
 * come out of the two BVHs in either order), and the frames can be compared pixel by pixel.
 */
function movingLight(pose?: { t: number }): NodeSpec {
  const base: NodeSpec = {
    name: 'moving light',
    mesh: { kind: 'triangle', size: 1.6 },
    emissive: [3, 3, 3],
  };
  const at = (t: number) => ({
    translation: [-0.6 + 1.2 * t, 1.2, 0.3 * t] as [number, number, number],
    rotation: axisAngle([0, 0, 1], 0.3 * t),
    scale: [1 + 0.6 * t, 1, 1 + 0.3 * t] as [number, number, number],
  });
  if (pose) return { ...base, ...at(pose.t) };
  const [a, b] = [at(0), at(1)];
  return {
    ...base,
    ...a,
    tracks: [
      { path: 'translation', times: [0, 1], values: [...a.translation, ...b.translation] },
      { path: 'rotation', times: [0, 1], values: [...a.rotation, ...b.rotation] },
      { path: 'scale', times: [0, 1], values: [...a.scale, ...b.scale] },
    ],
  };
}
/**
 * A glossy metal floor for the moving light: most of the emitter's light reaches the camera through BSDF
 * rays that hit it, whose MIS weight needs the light's pdf at that hit, so a light pdf that forgot the
 * transform's area scale would show (a floor that only NEE lights would hide it).
 */
const glossyFloor: NodeSpec = { ...floor, name: 'glossy floor', roughness: 0.3, metallic: 1 };
const stillBox: NodeSpec = {
  name: 'still box',
  mesh: { kind: 'box', size: 0.6 },
  translation: [0.2, 0.3, -0.2],
};

/**
 * Imports the file, packs it and loads it as a contributor does (the serialised file parsed back), and
 * gives what the coordinator poses it with: camera and bounds, and the animation read from the gzipped
 * stored file's header.
 */
async function loadGlb(name: string, roots: NodeSpec[]) {
  const { scene } = await importGltf({ files: new Map([[`${name}.glb`, await buildGlb(roots)]]) });
  const file = serializePackedScene(packScene(scene));
  const packed: PackedScene = parsePackedScene(file);
  tracer.loadScene(name, packed);
  const { animation } = readSceneFileHeader(gunzipHeader(gzipSync(file)));
  return { hash: name, packed, poseScene: { ...packed.info, animation } };
}

const small = (hash: string, pose?: FramePose, overrides: Partial<RenderTask> = {}) =>
  task(hash, { width: 32, height: 24, sampleEnd: 8, maxBounces: 3, ...(pose && { pose }), ...overrides });

const meanOf = (data: Float32Array) => {
  const means = pixelMeans(data, 1);
  return means.reduce((s, v) => s + v, 0) / means.length;
};

describe('an animated glTF, frame by frame', () => {
  it('renders frame k as the still scene with the node baked at its keyframed pose, unlike frame 0', async () => {
    const animated = await loadGlb('box-anim', [floor, ceilingLight, camera, box()]);
    expect(animated.packed.instances).toHaveLength(2);
    const k = 9; // t = 0.375 s
    const frameK = await render(small(animated.hash, framePose(SPEC, animated.poseScene, k)));
    const frame0 = await render(small(animated.hash, framePose(SPEC, animated.poseScene, 0)));
    const bakedK = await loadGlb('box-baked-9', [floor, ceilingLight, camera, box({ t: k / FPS })]);
    const baked0 = await loadGlb('box-baked-0', [floor, ceilingLight, camera, box({ t: 0 })]);
    expect(bakedK.packed.instances).toHaveLength(1);
    const stillK = await render(small(bakedK.hash));
    const still0 = await render(small(baked0.hash));
    const differs = {
      frameK: differingFraction(frameK, stillK),
      frame0: differingFraction(frame0, still0),
      frameKvs0: differingFraction(frameK, frame0),
    };
    console.log(`animated box: pixels over 2% apart ${JSON.stringify(differs)} of ${32 * 24}`);
    expect(differs.frameK).toBeLessThan(0.05);
    expect(differs.frame0).toBeLessThan(0.05);
    expect(differs.frameKvs0).toBeGreaterThan(0.1);
  }, 300_000);

  it('re-renders a random pixel list of an animated frame to the same bits as the full frame', async () => {
    const { hash, poseScene } = await loadGlb('box-anim', [floor, ceilingLight, camera, box()]);
    const pose = framePose(SPEC, poseScene, 17);
    const range = { sampleStart: 3, sampleEnd: 9 };
    const full = await render(small(hash, pose, range));
    const list: number[] = [];
    let x = 987654;
    while (list.length < 53) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      list.push(x % (32 * 24));
    }
    // In pixel-list mode the region is the unit's tile, which the renderer ignores.
    const listed = small(hash, pose, { ...range, region: { x: 8, y: 4, width: 8, height: 8 }, pixels: list });
    const once = await tracer.render(listed, { fixedSamplesPerDispatch: 6 });
    const split = await tracer.render(listed, { fixedSamplesPerDispatch: 1 });
    expect(bitsOf(once.data)).toEqual(bitsOf(gather(full, list)));
    expect(bitsOf(split.data)).toEqual(bitsOf(once.data));
    expect(pixelMeans(once.data, 0).filter((v) => v > 0).length).toBeGreaterThan(20);
  }, 300_000);

  it('lights a frame from a moving, growing emitter as the baked still does (light pdf under the transform)', async () => {
    const animated = await loadGlb('light-anim', [glossyFloor, stillBox, camera, movingLight()]);
    expect(animated.packed.instances.map((i) => i.name)).toEqual(['static', 'moving light']);
    const k = 12; // t = 0.5 s: the emitter's area is 1.3 x 1.15 times the file's
    const frameK = await render(small(animated.hash, framePose(SPEC, animated.poseScene, k)));
    const frame0 = await render(small(animated.hash, framePose(SPEC, animated.poseScene, 0)));
    const baked = await loadGlb('light-baked-12', [
      glossyFloor,
      stillBox,
      camera,
      movingLight({ t: k / FPS }),
    ]);
    const still = await render(small(baked.hash));
    const differs = {
      frameK: differingFraction(frameK, still),
      frameKvs0: differingFraction(frameK, frame0),
    };
    const brightness = meanOf(frameK) / meanOf(still);
    console.log(`moving emitter: pixels over 2% apart ${JSON.stringify(differs)}, mean ratio ${brightness}`);
    expect(meanOf(still)).toBeGreaterThan(0);
    expect(differs.frameK).toBeLessThan(0.05);
    expect(Math.abs(brightness - 1)).toBeLessThan(0.01);
    expect(differs.frameKvs0).toBeGreaterThan(0.1);
  }, 300_000);

  it('lights a frame from a point light hanging from a moving node as the baked still does', async () => {
    const lampRig = (pose?: { t: number }): NodeSpec => ({
      name: 'lamp rig',
      ...(pose
        ? { translation: [-1 + 2 * pose.t, 1.5, 0], rotation: axisAngle([0, 1, 0], pose.t) }
        : {
            translation: [-1, 1.5, 0],
            tracks: [
              { path: 'translation', times: [0, 1], values: [-1, 1.5, 0, 1, 1.5, 0] },
              { path: 'rotation', times: [0, 1], values: [0, 0, 0, 1, ...axisAngle([0, 1, 0], 1)] },
            ],
          }),
      children: [{ name: 'lamp', pointLight: { intensity: 4 }, translation: [0.3, 0, 0] }],
    });
    const animated = await loadGlb('lamp-anim', [floor, stillBox, camera, lampRig()]);
    const frameK = await render(small(animated.hash, framePose(SPEC, animated.poseScene, 18)));
    const frame0 = await render(small(animated.hash, framePose(SPEC, animated.poseScene, 0)));
    const baked = await loadGlb('lamp-baked-18', [floor, stillBox, camera, lampRig({ t: 18 / FPS })]);
    const still = await render(small(baked.hash));
    const differs = {
      frameK: differingFraction(frameK, still),
      frameKvs0: differingFraction(frameK, frame0),
    };
    console.log(`moving point light: pixels over 2% apart ${JSON.stringify(differs)}`);
    expect(meanOf(still)).toBeGreaterThan(0);
    expect(differs.frameK).toBeLessThan(0.05);
    expect(differs.frameKvs0).toBeGreaterThan(0.1);
  }, 300_000);

  it('hides a node scaled to nothing at a frame, with the light hanging from it, as if it were not there', async () => {
    const vanishing = (lamp: boolean): NodeSpec => ({
      ...box(),
      name: 'vanishing box',
      tracks: [...(box().tracks ?? []), { path: 'scale', times: [0, 1], values: [1, 1, 1, 0, 0, 0] }],
      ...(lamp && {
        children: [
          {
            name: 'lamp on the box',
            mesh: { kind: 'triangle', size: 1 },
            emissive: [10, 10, 10],
            translation: [0.9, 1.2, 0],
          },
        ],
      }),
    });
    const empty = await loadGlb('box-none', [floor, ceilingLight, camera]);
    const still = await render(small(empty.hash));
    const many = { sampleEnd: 64, width: 16, height: 12 };
    const stillMany = meanOf(await render(small(empty.hash, undefined, many)));
    // The box alone: the same light table as the empty room, so the frames compare pixel by pixel.
    const box1 = await loadGlb('box-vanish', [floor, ceilingLight, camera, vanishing(false)]);
    const gone = framePose(SPEC, box1.poseScene, 24); // t = 1 s: scale 0
    expect(gone.instanceTransforms?.slice(12, 15)).toEqual([0, 0, 0]);
    const differs = {
      gone: differingFraction(await render(small(box1.hash, gone)), still),
      there: differingFraction(await render(small(box1.hash, framePose(SPEC, box1.poseScene, 0))), still),
    };
    // With a lamp on it: its triangle stays in the light table (sampled, giving nothing), so the noise
    // differs; the light does not: the room's mean brightness is the empty room's, not the lit one's.
    const lit = await loadGlb('box-lamp-vanish', [floor, ceilingLight, camera, vanishing(true)]);
    const brightness = {
      gone: meanOf(await render(small(lit.hash, framePose(SPEC, lit.poseScene, 24), many))) / stillMany,
      lit: meanOf(await render(small(lit.hash, framePose(SPEC, lit.poseScene, 0), many))) / stillMany,
    };
    console.log(
      `vanishing box: pixels over 2% apart ${JSON.stringify(differs)}; brightness vs the empty room ${JSON.stringify(brightness)}`,
    );
    expect(differs.gone).toBe(0);
    expect(differs.there).toBeGreaterThan(0.1);
    expect(Math.abs(brightness.gone - 1)).toBeLessThan(0.03);
    expect(brightness.lit).toBeGreaterThan(1.1);
  }, 300_000);
});
