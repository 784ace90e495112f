import { z } from 'zod';
import { IMAGE_LIMITS } from './limits';

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
