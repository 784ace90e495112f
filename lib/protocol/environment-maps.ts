/**
 * Environment maps the coordinator knows without an upload: generated in code (lib/scene/built-in-environments.ts),
 * CC0 like the rest of the repository. A job may name one instead of an uploaded map's hash; the job then
 * stores the generated file's hash like any other.
 */
export const BUILT_IN_ENVIRONMENT_MAPS = ['sunset', 'studio'] as const;
export type BuiltInEnvironmentMapId = (typeof BUILT_IN_ENVIRONMENT_MAPS)[number];

export function isBuiltInEnvironmentMap(ref: string): ref is BuiltInEnvironmentMapId {
  return (BUILT_IN_ENVIRONMENT_MAPS as readonly string[]).includes(ref);
}

/** An environment map as the coordinator lists it. */
export interface EnvironmentMapSummary {
  /** SHA-256 (hex) of the .hdr file: what a job's environment names and contributors download. */
  hash: string;
  name: string;
  source: 'built-in' | 'upload';
  builtInId: string | null;
  width: number;
  height: number;
  /** Size of the .hdr file. */
  bytes: number;
}
