/**
 * Query parameters of the "Render locally" page, parsed once at the edge: defaults for what is missing and
 * a readable message for what is wrong.
 */
import { z } from 'zod';
import { SceneRefSchema } from '../protocol/job-spec';
import { JOB_LIMITS } from '../protocol/limits';
import { type Environment, PIXEL_FILTERS, type PixelFilter, type RenderTask } from '../protocol/render-task';
import { ENVIRONMENT_CHOICES, type EnvironmentChoice, environmentOf } from './environment-presets';

/** One task renders the whole image: keep its buffer (20 bytes a pixel) well inside every GPU's limits. */
export const LOCAL_LIMITS = { maxDimension: 1024, maxSamplesPerPixel: 4096 } as const;

/** Whether an image of this size and sampling can be rendered in this browser in one task (LOCAL_LIMITS). */
export function fitsLocalRender(size: { width: number; height: number; samplesPerPixel: number }): boolean {
  return (
    size.width <= LOCAL_LIMITS.maxDimension &&
    size.height <= LOCAL_LIMITS.maxDimension &&
    size.samplesPerPixel <= LOCAL_LIMITS.maxSamplesPerPixel
  );
}

export interface LocalRenderParams {
  /** A built-in scene id or an uploaded scene's hash. */
  scene: string;
  width: number;
  height: number;
  spp: number;
  seed: number;
  maxBounces: number;
  /** A named environment, or 'default' for the scene's own. */
  env: EnvironmentChoice;
  /** env 'map': the uploaded .hdr's hash. */
  envMap: string;
  /** An HDR map's turn about +y (degrees) and scale. */
  envRotation: number;
  envIntensity: number;
  /** Thin-lens aperture radius (scene units), 0 = pinhole, and focus distance. */
  aperture: number;
  focus: number;
  filter: PixelFilter;
}

export const LOCAL_DEFAULTS: LocalRenderParams = {
  scene: 'cornell',
  width: 128,
  height: 128,
  spp: 16,
  seed: 1,
  maxBounces: 6,
  env: 'default',
  envMap: '',
  envRotation: 0,
  envIntensity: 1,
  aperture: 0,
  focus: 1,
  filter: 'gaussian',
};

const intParam = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` });

const numberParam = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` });

const Schema = z.object({
  scene: SceneRefSchema,
  width: intParam('width', 8, LOCAL_LIMITS.maxDimension),
  height: intParam('height', 8, LOCAL_LIMITS.maxDimension),
  spp: intParam('spp', 1, LOCAL_LIMITS.maxSamplesPerPixel),
  seed: intParam('seed', 0, 0xffff_ffff),
  maxBounces: intParam('maxBounces', 1, JOB_LIMITS.maxBounces),
  env: z.enum(ENVIRONMENT_CHOICES, { error: `env must be one of ${ENVIRONMENT_CHOICES.join(', ')}` }),
  envMap: z.string().regex(/^([0-9a-f]{64})?$/, {
    error: 'envMap must be the hash of an uploaded .hdr (64 hex digits)',
  }),
  envRotation: numberParam('envRotation', -360, 360),
  envIntensity: numberParam('envIntensity', 0, 1e4),
  aperture: numberParam('aperture', 0, 100),
  focus: numberParam('focus', 1e-3, 1e6),
  filter: z.enum(PIXEL_FILTERS, { error: `filter must be one of ${PIXEL_FILTERS.join(', ')}` }),
});

/** The form's values as typed, so that a wrong value stays in the form next to its message. */
export type LocalRenderForm = Record<keyof LocalRenderParams, string>;

export type ParsedLocalParams =
  | { ok: true; params: LocalRenderParams; form: LocalRenderForm }
  | { ok: false; errors: string[]; form: LocalRenderForm };

type Query = Record<string, string | string[] | undefined>;

/** Missing or empty values take the defaults; `params` is always usable to fill the form. */
export function parseLocalRenderParams(query: Query): ParsedLocalParams {
  const form = {} as LocalRenderForm;
  for (const key of Object.keys(LOCAL_DEFAULTS) as Array<keyof LocalRenderParams>) {
    const value = query[key];
    const first = (Array.isArray(value) ? value[0] : value)?.trim();
    form[key] = first ? first : String(LOCAL_DEFAULTS[key]);
  }
  const parsed = Schema.safeParse(form);
  if (parsed.success) return { ok: true, params: parsed.data, form };
  return { ok: false, errors: parsed.error.issues.map((issue) => issue.message), form };
}

/**
 * The environment a local render uses: the chosen one, or else the scene's default. A map is named by name
 * (built-in) or hash (upload) here; `resolveMapHash` turns it into the file's hash, as the coordinator does
 * for jobs.
 */
export async function localRenderEnvironment(
  p: LocalRenderParams,
  scene: { defaultEnvironment: Environment },
  resolveMapHash: (ref: string) => Promise<string>,
): Promise<Environment> {
  const chosen = environmentOf(p.env, {
    hash: p.envMap,
    rotationDegrees: p.envRotation,
    intensity: p.envIntensity,
  });
  if (!chosen) return scene.defaultEnvironment;
  if (chosen.type !== 'map') return chosen;
  if (chosen.hash === '') throw new Error('Choose an uploaded .hdr map (envMap) or a built-in map.');
  return { ...chosen, hash: await resolveMapHash(chosen.hash) };
}

/**
 * The whole image as one task: region = image, samples [0, spp), in `environment` (localRenderEnvironment)
 * or else the scene's default one, with the chosen lens and pixel filter.
 */
export function localRenderTask(
  p: LocalRenderParams,
  scene: { hash: string; defaultEnvironment: Environment },
  environment: Environment = scene.defaultEnvironment,
): RenderTask {
  return {
    sceneHash: scene.hash,
    environment,
    ...(p.aperture > 0 ? { lens: { apertureRadius: p.aperture, focusDistance: p.focus } } : {}),
    pixelFilter: p.filter,
    width: p.width,
    height: p.height,
    seed: p.seed,
    maxBounces: p.maxBounces,
    region: { x: 0, y: 0, width: p.width, height: p.height },
    sampleStart: 0,
    sampleEnd: p.spp,
  };
}

/** The query string that reproduces `p` on /render. */
export function localRenderHref(p: Partial<LocalRenderParams>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(p)) {
    // The default environment, map placement, lens and filter are the page's defaults too: keep the URL short.
    const isDefault = String(LOCAL_DEFAULTS[key as keyof LocalRenderParams]) === String(value);
    const optional = ['env', 'envMap', 'envRotation', 'envIntensity', 'aperture', 'focus', 'filter'].includes(
      key,
    );
    if (value !== undefined && !(optional && isDefault)) query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `/render?${qs}` : '/render';
}
