/**
 * The largest image the browser denoises (lib/render/denoise.ts): its accumulation download (40 bytes a
 * pixel, float64) and GPU buffers (about 100 bytes a pixel) stay near 80 and 200 MiB. 1920 x 1080 fits.
 * Apart from denoise.ts so that the job page can say so without bundling GPU code.
 */
export const MAX_DENOISE_PIXELS = 2 ** 21;
