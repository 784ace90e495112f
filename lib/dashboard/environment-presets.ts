/**
 * The environments a requestor can pick by name on the dashboard and on /render. 'default' sends no
 * environment, so the job gets its scene's own (SceneSummary.defaultEnvironment). 'sunset' and 'studio' are
 * the built-in HDR maps (lib/scene/built-in-environments.ts), sent by name and bound to their hash by the
 * coordinator; 'map' is an uploaded .hdr, named by its hash.
 */
import { BUILT_IN_ENVIRONMENT_MAPS, type BuiltInEnvironmentMapId } from '../protocol/environment-maps';
import { DEFAULT_ENVIRONMENT, type Environment } from '../protocol/render-task';

export const ENVIRONMENT_CHOICES = ['default', 'sky', 'white', 'black', 'sunset', 'studio', 'map'] as const;
export type EnvironmentChoice = (typeof ENVIRONMENT_CHOICES)[number];

type Preset = Exclude<EnvironmentChoice, 'default' | BuiltInEnvironmentMapId | 'map'>;

const PRESETS: Record<Preset, Environment> = {
  sky: DEFAULT_ENVIRONMENT,
  white: { type: 'uniform', radiance: [1, 1, 1] },
  black: { type: 'uniform', radiance: [0, 0, 0] },
};

export const ENVIRONMENT_LABELS: Record<EnvironmentChoice, string> = {
  default: 'Scene default',
  sky: 'Sky',
  white: 'Uniform white',
  black: 'Black',
  sunset: 'Sunset (HDR map)',
  studio: 'Studio (HDR map)',
  map: 'Uploaded HDR map',
};

/** Whether a choice is an HDR map (it then takes a rotation and an intensity). */
export function isMapChoice(choice: EnvironmentChoice): choice is BuiltInEnvironmentMapId | 'map' {
  return choice === 'map' || (BUILT_IN_ENVIRONMENT_MAPS as readonly string[]).includes(choice);
}

/** How an HDR map choice is placed: the uploaded map's hash ('map'), its turn about +y and its scale. */
export interface MapPlacement {
  hash: string;
  rotationDegrees: number;
  intensity: number;
}

export const DEFAULT_MAP_PLACEMENT: MapPlacement = { hash: '', rotationDegrees: 0, intensity: 1 };

/**
 * The environment a choice stands for; undefined for 'default' (the scene decides). A built-in map goes by
 * its name (the coordinator, or /render, resolves it to the file's hash); an uploaded one by its hash.
 */
export function environmentOf(
  choice: EnvironmentChoice,
  placement: MapPlacement = DEFAULT_MAP_PLACEMENT,
): Environment | undefined {
  if (choice === 'default') return undefined;
  if (isMapChoice(choice)) {
    return {
      type: 'map',
      hash: choice === 'map' ? placement.hash : choice,
      rotationDegrees: placement.rotationDegrees,
      intensity: placement.intensity,
    };
  }
  return PRESETS[choice];
}

/** The named preset equal to `environment`, or null when it is none of them (maps included). */
export function presetOf(environment: Environment): Preset | null {
  const json = JSON.stringify(environment);
  for (const [name, preset] of Object.entries(PRESETS) as [Preset, Environment][]) {
    if (JSON.stringify(preset) === json) return name;
  }
  return null;
}

/** How a job view names an environment: the preset's label, or its kind. */
export function describeEnvironment(environment: Environment): string {
  const preset = presetOf(environment);
  if (preset) return ENVIRONMENT_LABELS[preset];
  if (environment.type === 'sky') return 'custom sky';
  if (environment.type === 'map') {
    return `HDR map ${environment.hash.slice(0, 8)}… (×${Number(environment.intensity.toPrecision(3))}, ${environment.rotationDegrees}°)`;
  }
  return `uniform (${environment.radiance.map((c) => Number(c.toPrecision(3))).join(', ')})`;
}
