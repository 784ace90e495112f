/**
 * Query parameters of the "Render locally" page, parsed once at the edge: defaults for what is missing and
 * a readable message for what is wrong.
 */
import { z } from 'zod';
import { SceneRefSchema } from '../protocol/job-spec';
import { JOB_LIMITS } from '../protocol/limits';
import type { Environment, RenderTask } from '../protocol/render-task';
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
}

export const LOCAL_DEFAULTS: LocalRenderParams = {
  scene: 'cornell',
  width: 128,
  height: 128,
  spp: 16,
  seed: 1,
  maxBounces: 6,
  env: 'default',
};

const intParam = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be a whole number` })
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
 * The whole image as one task: region = image, samples [0, spp), in the chosen environment or else the
 * scene's default one.
 */
export function localRenderTask(
  p: LocalRenderParams,
  scene: { hash: string; defaultEnvironment: Environment },
): RenderTask {
  return {
    sceneHash: scene.hash,
    environment: environmentOf(p.env) ?? scene.defaultEnvironment,
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
    // The default environment is the page's default too: keep the URL short.
    if (value !== undefined && !(key === 'env' && value === 'default')) query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `/render?${qs}` : '/render';
}
