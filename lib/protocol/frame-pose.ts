import type { CameraDescription } from './scene-info';

/**
 * One frame of an animation job, as a task carries it: everything that moves in that frame, resolved by the
 * coordinator to exact float32 values. Contributors and verifiers never evaluate an animation themselves
 * (interpolation uses transcendental functions whose last bits differ between JavaScript engines), so every
 * browser that draws frame f of a job draws it bit for bit alike.
 *
 * A still job's tasks carry no pose; a pose with neither field draws the scene as packed.
 */
export interface FramePose {
  /** The job's frame number (jobs render the inclusive range frames.start..frames.end). */
  frame: number;
  /** The camera at this frame (an animated glTF camera or the job's camera path); absent: the scene's. */
  camera?: CameraDescription;
  /**
   * Row-major 3x4 object-to-world matrices, 12 float32 values each, one per instance of the packed scene
   * (lib/scene/packed-scene.ts), in instance order. Absent: every instance at its packed (rest) transform.
   */
  instanceTransforms?: number[];
}
