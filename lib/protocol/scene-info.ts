/**
 * What a packed scene is, as the dashboard and the coordinator both see it (SceneSummary in api-types.ts):
 * the facts of a scene that cross the wire. lib/scene/ builds them; nothing here depends on it.
 */
export type Vec3 = [number, number, number];

export interface CameraDescription {
  position: Vec3;
  target: Vec3;
  up: Vec3;
  /** Vertical field of view in radians. */
  yfov: number;
}

export interface PackedSceneInfo {
  triangleCount: number;
  nodeCount: number;
  materialCount: number;
  textureCount: number;
  lightCount: number;
  punctualCount: number;
  /** Sum of area x luminance over emissive triangles (0 when none): the light sampler's normaliser. */
  emissivePower: number;
  bounds: { min: Vec3; max: Vec3 };
  camera: CameraDescription;
}

export interface SceneImportStats {
  triangles: number;
  /** Materials in the scene description (those used by a triangle, plus the default one if needed). */
  materials: number;
  textures: number;
  /** KHR_lights_punctual lights (emissive surfaces are counted by packScene as `lightCount`). */
  lights: number;
  /** Distinct glTF meshes drawn by the default scene. */
  meshes: number;
  /**
   * Length of the scene's own animation in seconds (its last keyframe), so the job form can offer its frame
   * range. Absent (scenes stored before animations, built-ins) or 0: nothing in the scene moves.
   */
  animationSeconds?: number;
}
