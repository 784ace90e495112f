import { z } from 'zod';
import { InvalidRequestError } from './errors';
import { ANIMATION_LIMITS, IMAGE_LIMITS } from './limits';

/** GET /api/jobs/:id/image.png's query: `maxSize` asks for a preview at most that many pixels on its longer side. */
export const ImagePngQuerySchema = z.object({
  maxSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(IMAGE_LIMITS.maxPreviewSize)
    .optional()
    .meta({ description: 'Longest side of a preview, in pixels; absent: the full image.' }),
  v: z.string().optional().meta({ description: 'Ignored; only there to change the URL.' }),
});

/** The frame routes' `:frame`: an animation's frame number (in the job's range, checked against the job). */
export const FrameParamSchema = z.coerce
  .number()
  .int()
  .min(0)
  .max(ANIMATION_LIMITS.maxFrameNumber)
  .meta({ description: "A frame number in the job's frames range." });

/** `:frame` of a frame route as a number, or a clear error. */
export function parseFrameParam(raw: string): number {
  const frame = FrameParamSchema.safeParse(raw);
  if (!frame.success) {
    throw new InvalidRequestError(`"${raw.slice(0, 32)}" is not a frame number`, {
      metaMessages: [
        `A frame is a whole number from 0 to ${ANIMATION_LIMITS.maxFrameNumber} in the job's range.`,
      ],
    });
  }
  return frame.data;
}
