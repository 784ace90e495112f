import type { SqlExecutor } from '../coordinator/db/sql';
import type { FramePose } from '../protocol/frame-pose';
import type { CameraKey, CameraPath, JobSpec } from '../protocol/job-spec';
import type { CameraDescription, PackedSceneInfo, Vec3 } from '../protocol/scene-info';

/**
 * The pose of one frame of an animation job: what its tasks carry (RenderTask.pose), computed here, on the
 * coordinator, and nowhere else (lib/protocol/frame-pose.ts says why). Every unit, check and re-render of
 * frame f gets the pose this returns for f, so verification of a frame stays exact.
 */

/** What a pose needs of the job's packed scene. */
export type PoseScene = Pick<PackedSceneInfo, 'camera' | 'bounds'>;

/**
 * The pose of `frame` of the job: today the job's camera path (a still's camera stays the scene's).
 *
 * MERGE POINT (issue 17, the renderer half): the scene's own animation goes in here. With the glTF
 * animation pose of lib/scene/animation.ts, this becomes: evaluate the scene's animation at time
 * frame / spec.frames.fps into `{ camera?, instanceTransforms? }`, then let the job's camera path (when it
 * has one) override the camera. `scene` then needs the animation channels too (PoseScene grows; the loader
 * below reads them with the scene), and the cache below already keeps the result per (job, frame).
 */
export function framePose(
  spec: Pick<JobSpec, 'frames' | 'cameraPath'>,
  scene: PoseScene,
  frame: number,
): FramePose {
  const camera =
    spec.cameraPath && spec.frames ? pathCamera(spec.cameraPath, spec.frames, scene, frame) : null;
  return { frame, ...(camera ? { camera } : {}) };
}

/** The camera of a camera path at `frame`, to float32 values (what the kernel gets in any case). */
function pathCamera(
  path: CameraPath,
  frames: { start: number; end: number },
  scene: PoseScene,
  frame: number,
): CameraDescription {
  if (path.type === 'orbit') return float32Camera(orbitCamera(scene, frames, path.degrees, frame));
  return float32Camera(keyframeCamera(path.keys, scene.camera, frame));
}

/**
 * The turntable: the scene camera's position and target turned by `degrees` x (frame - start) / count about
 * the vertical axis through the centre of the scene's bounds. Frame `start` is the scene camera itself, and
 * a whole turn's last frame is one step short of the first (the loop plays without a repeated frame).
 */
export function orbitCamera(
  scene: PoseScene,
  frames: { start: number; end: number },
  degrees: number,
  frame: number,
): CameraDescription {
  const count = frames.end - frames.start + 1;
  const angle = (((frame - frames.start) / count) * degrees * Math.PI) / 180;
  const { min, max } = scene.bounds;
  const centre: Vec3 = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Right-handed about +y: +x turns towards -z.
  const turn = (p: Vec3): Vec3 => {
    const x = p[0] - centre[0];
    const z = p[2] - centre[2];
    return [centre[0] + x * cos + z * sin, p[1], centre[2] - x * sin + z * cos];
  };
  const { camera } = scene;
  return { position: turn(camera.position), target: turn(camera.target), up: camera.up, yfov: camera.yfov };
}

/** Linear between the keys around `frame`, held before the first and after the last. */
export function keyframeCamera(
  keys: readonly CameraKey[],
  sceneCamera: CameraDescription,
  frame: number,
): CameraDescription {
  const yfovOf = (key: CameraKey) =>
    key.yfovDegrees === undefined ? sceneCamera.yfov : (key.yfovDegrees * Math.PI) / 180;
  const first = keys[0];
  const last = keys.at(-1);
  if (!first || !last) return sceneCamera;
  // The last key at or before the frame, and the one after it (the same key outside the keys' range).
  let i = 0;
  while (i + 1 < keys.length && (keys[i + 1] as CameraKey).frame <= frame) i++;
  const before = frame <= first.frame ? first : (keys[i] as CameraKey);
  const after = frame <= first.frame || frame >= last.frame ? before : (keys[i + 1] as CameraKey);
  const span = after.frame - before.frame;
  const t = span > 0 ? (frame - before.frame) / span : 0;
  const mix = (a: Vec3, b: Vec3): Vec3 => [
    a[0] + (b[0] - a[0]) * t,
    a[1] + (b[1] - a[1]) * t,
    a[2] + (b[2] - a[2]) * t,
  ];
  return {
    position: mix(before.position, after.position),
    target: mix(before.target, after.target),
    up: sceneCamera.up,
    yfov: yfovOf(before) + (yfovOf(after) - yfovOf(before)) * t,
  };
}

function float32Camera(camera: CameraDescription): CameraDescription {
  const f = (v: Vec3): Vec3 => [Math.fround(v[0]), Math.fround(v[1]), Math.fround(v[2])];
  return {
    position: f(camera.position),
    target: f(camera.target),
    up: f(camera.up),
    yfov: Math.fround(camera.yfov),
  };
}

/**
 * Poses already computed, by job and frame (a job's spec and scene never change, so neither does a pose):
 * every lease of a unit or check of frame f reads its pose from here after the first. Bounded; the oldest
 * entry goes first.
 */
const POSE_CACHE_ENTRIES = 4096;
const poseCache = new Map<string, FramePose>();

/**
 * The pose of frame `frame` of job `jobId` for a task, its scene read from the database once per job and
 * frame at most. Null for a still (its tasks carry no pose).
 */
export async function jobFramePose(
  db: SqlExecutor,
  job: { id: string; spec: JobSpec },
  frame: number | null,
): Promise<FramePose | null> {
  if (frame === null || !job.spec.frames) return null;
  const key = `${job.id}:${frame}`;
  const cached = poseCache.get(key);
  if (cached) return cached;
  const [row] = await db.query<{ info: PackedSceneInfo }>('SELECT info FROM scenes WHERE hash = $1', [
    job.spec.sceneHash,
  ]);
  if (!row) throw new Error(`the scene ${job.spec.sceneHash} of job ${job.id} is not stored`);
  const pose = framePose(job.spec, row.info, frame);
  if (poseCache.size >= POSE_CACHE_ENTRIES) {
    const oldest = poseCache.keys().next().value;
    if (oldest !== undefined) poseCache.delete(oldest);
  }
  poseCache.set(key, pose);
  return pose;
}
