/**
 * The environments a requestor can pick by name on the dashboard and on /render. 'default' sends no
 * environment, so the job gets its scene's own (SceneSummary.defaultEnvironment).
 */
import { DEFAULT_ENVIRONMENT, type Environment } from '../protocol/render-task';

export const ENVIRONMENT_CHOICES = ['default', 'sky', 'white', 'black'] as const;
export type EnvironmentChoice = (typeof ENVIRONMENT_CHOICES)[number];

type Preset = Exclude<EnvironmentChoice, 'default'>;

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
};

/** The environment a choice stands for; undefined for 'default' (the scene decides). */
export function environmentOf(choice: EnvironmentChoice): Environment | undefined {
  return choice === 'default' ? undefined : PRESETS[choice];
}

/** The named preset equal to `environment`, or null when it is none of them. */
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
