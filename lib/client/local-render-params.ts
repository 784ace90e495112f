/**
 * Query parameters of the "Render locally" page, parsed once at the edge: defaults for what is missing and
 * a readable message for what is wrong.
 */
import { z } from 'zod';
import { BUILT_IN_SCENES, JOB_LIMITS, type SceneId } from '../core/job-spec';
import type { RenderTask } from '../core/render-task';

/** One task renders the whole image: keep its buffer (20 bytes a pixel) well inside every GPU's limits. */
export const LOCAL_LIMITS = { maxDimension: 1024, maxSamplesPerPixel: 4096 } as const;

export interface LocalRenderParams {
  scene: SceneId;
  width: number;
  height: number;
  spp: number;
  seed: number;
  maxBounces: number;
}

export const LOCAL_DEFAULTS: LocalRenderParams = {
  scene: 'cornell',
  width: 128,
  height: 128,
  spp: 16,
  seed: 1,
  maxBounces: 6,
};

const intParam = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` });

const Schema = z.object({
  scene: z.enum(BUILT_IN_SCENES, { error: `scene must be one of: ${BUILT_IN_SCENES.join(', ')}` }),
  width: intParam('width', 8, LOCAL_LIMITS.maxDimension),
  height: intParam('height', 8, LOCAL_LIMITS.maxDimension),
  spp: intParam('spp', 1, LOCAL_LIMITS.maxSamplesPerPixel),
  seed: intParam('seed', 0, 0xffff_ffff),
  maxBounces: intParam('maxBounces', 1, JOB_LIMITS.maxBounces),
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

/** The whole image as one task: region = image, samples [0, spp). */
export function localRenderTask(p: LocalRenderParams): RenderTask {
  return {
    scene: p.scene,
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
  for (const [key, value] of Object.entries(p)) if (value !== undefined) query.set(key, String(value));
  const qs = query.toString();
  return qs ? `/render?${qs}` : '/render';
}
