import { Gunzip } from 'fflate';
import type { SqlExecutor } from '../coordinator/db/sql';
import type { FramePose } from '../protocol/frame-pose';
import type { CameraKey, CameraPath, JobSpec } from '../protocol/job-spec';
import type { CameraDescription, PackedSceneInfo, Vec3 } from '../protocol/scene-info';
import { framePoseAt, isAnimated } from '../scene/animation';
import type { SceneAnimation } from '../scene/scene-description';
import { readSceneFileHeader, sceneFileHeaderBytes } from '../scene/scene-file';

/**
 * The pose of one frame of an animation job: what its tasks carry (RenderTask.pose), computed here, on the
 * coordinator, and nowhere else (lib/protocol/frame-pose.ts says why). Every unit, check and re-render of
 * frame f gets the pose this returns for f, so verification of a frame stays exact.
 */

/**
 * What a pose needs of the job's packed scene: its camera and bounds (camera paths) and its animation
 * (absent or null: a still scene).
 */
export type PoseScene = Pick<PackedSceneInfo, 'camera' | 'bounds'> & { animation?: SceneAnimation | null };

/**
 * The pose of `frame` of the job. An animated scene is evaluated at glTF time frame / fps
 * (lib/scene/animation.ts framePoseAt: every instance's transform, and the camera when the file animates
 * it); the job's camera path, when it has one, then sets the camera. A still scene's pose is its camera
 * path's camera alone (none without a path: the scene's camera). Every number is float32.
 */
export function framePose(
  spec: Pick<JobSpec, 'frames' | 'cameraPath'>,
  scene: PoseScene,
  frame: number,
): FramePose {
  const animated =
    spec.frames && scene.animation && isAnimated({ instances: [], animation: scene.animation })
      ? framePoseAt({ instances: [], animation: scene.animation }, frame / spec.frames.fps)
      : null;
  const camera =
    spec.cameraPath && spec.frames
      ? pathCamera(spec.cameraPath, spec.frames, scene, frame)
      : (animated?.camera ?? null);
  return {
    frame,
    ...(camera ? { camera } : {}),
    ...(animated ? { instanceTransforms: animated.instanceTransforms } : {}),
  };
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
  const pose = framePose(job.spec, await poseSceneOf(db, job.spec.sceneHash, job.id), frame);
  if (poseCache.size >= POSE_CACHE_ENTRIES) {
    const oldest = poseCache.keys().next().value;
    if (oldest !== undefined) poseCache.delete(oldest);
  }
  poseCache.set(key, pose);
  return pose;
}

/**
 * Scenes' camera, bounds and animation by hash (a stored scene never changes): read once per process from
 * the stored file's header, bounded like the pose cache.
 */
const SCENE_CACHE_ENTRIES = 64;
const sceneCache = new Map<string, Promise<PoseScene>>();

async function poseSceneOf(db: SqlExecutor, hash: string, jobId: string): Promise<PoseScene> {
  let scene = sceneCache.get(hash);
  if (!scene) {
    scene = readPoseScene(db, hash, jobId);
    if (sceneCache.size >= SCENE_CACHE_ENTRIES) {
      const oldest = sceneCache.keys().next().value;
      if (oldest !== undefined) sceneCache.delete(oldest);
    }
    sceneCache.set(hash, scene);
    scene.catch(() => sceneCache.delete(hash));
  }
  return scene;
}

async function readPoseScene(db: SqlExecutor, hash: string, jobId: string): Promise<PoseScene> {
  const [row] = await db.query<{ info: PackedSceneInfo; file: Uint8Array; encoding: 'identity' | 'gzip' }>(
    'SELECT info, file, encoding FROM scenes WHERE hash = $1',
    [hash],
  );
  if (!row) throw new Error(`the scene ${hash} of job ${jobId} is not stored`);
  const file = new Uint8Array(row.file);
  const header = readSceneFileHeader(row.encoding === 'gzip' ? gunzipHeader(file) : file);
  return { camera: row.info.camera, bounds: row.info.bounds, animation: header.animation };
}

/**
 * The preamble and header of a gzipped scene file, inflating only as far as they reach (the header comes
 * first; a scene's sections may be a hundred MiB). Throws when the stream ends before the header does.
 */
export function gunzipHeader(gzipped: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  let length = 0;
  let need = Number.POSITIVE_INFINITY;
  const gunzip = new Gunzip((chunk) => {
    chunks.push(chunk);
    length += chunk.length;
  });
  const STEP = 16 * 1024;
  for (let offset = 0; offset < gzipped.length && length < need; offset += STEP) {
    gunzip.push(gzipped.subarray(offset, offset + STEP), offset + STEP >= gzipped.length);
    if (need === Number.POSITIVE_INFINITY && length >= 16) need = sceneFileHeaderBytes(concat(chunks, 16));
  }
  if (length < need) throw new Error('the stored scene file ends before its header does');
  return concat(chunks, need);
}

function concat(chunks: readonly Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const chunk of chunks) {
    if (at >= bytes) break;
    const part = chunk.subarray(0, bytes - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}
