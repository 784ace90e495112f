'use client';

import { useEffect, useId, useState } from 'react';
import type { JobView } from '../../lib/protocol/api-types';
import { MAX_DENOISE_PIXELS } from '../../lib/render/denoise-limits';
import { useDenoisedPreview } from './use-denoised-preview';

/** As the live preview (job-preview.tsx): at most this many CSS pixels on the longer side. */
const DISPLAY_MAX = 512;

/**
 * A denoised view of the job's image, filtered in this browser (lib/render/denoise.ts) from the farm's
 * samples and guide buffers of the scene: much smoother than the raw image early on, and labelled as what
 * it is. It is a preview only: the farm's image, its downloads and every check work on the unfiltered
 * samples, and nothing here is sent anywhere.
 */
export function JobDenoisedView({ job }: { job: JobView }) {
  const id = useId();
  const [on, setOn] = useState(false);
  // Known only in the browser: null during server rendering and the first paint.
  const [webgpu, setWebgpu] = useState<boolean | null>(null);
  useEffect(() => setWebgpu(typeof navigator !== 'undefined' && 'gpu' in navigator), []);
  const preview = useDenoisedPreview(job, on);
  const { width, height } = job.spec;
  const tooLarge = width * height > MAX_DENOISE_PIXELS;
  const scale = DISPLAY_MAX / Math.max(width, height);

  let unavailable: string | null = null;
  if (webgpu === false) {
    unavailable =
      'A denoised preview needs WebGPU, which this browser does not offer (recent Chrome, Edge and Safari do). The image above is the farm’s, unaffected.';
  } else if (tooLarge) {
    unavailable = `A denoised preview is made in the browser for images up to ${MAX_DENOISE_PIXELS.toLocaleString('en')} pixels; this one is ${width}×${height}. Download the linear float (PFM) image and denoise it with a desktop tool.`;
  }

  return (
    <section className="card denoised-view" aria-labelledby={`${id}-title`} data-testid="job-denoised">
      <div className="job-image__bar">
        <h2 id={`${id}-title`} className="job-image__title">
          Denoised preview
          <span className="muted small job-image__sub">
            {' '}
            · filtered in this browser, not the verified image
          </span>
        </h2>
        {unavailable === null && webgpu ? (
          <button
            type="button"
            className="toggle"
            aria-pressed={on}
            aria-controls={`${id}-body`}
            onClick={() => setOn(!on)}
            data-testid="denoise-toggle"
          >
            <span className="toggle__track" aria-hidden="true">
              <span className="toggle__thumb" />
            </span>
            Denoised
          </button>
        ) : null}
      </div>
      <div id={`${id}-body`}>
        {unavailable ? (
          <p className="hint" data-testid="denoise-unavailable">
            {unavailable}
          </p>
        ) : !on ? (
          <p className="hint">
            Early on, with few samples per pixel, the image is grainy. Turn on <strong>Denoised</strong> for a
            smoothed preview, made on this device’s GPU from the samples so far and the scene’s surfaces.
          </p>
        ) : job.pixelSamplesDone === 0 ? (
          <p className="hint">Nothing rendered yet: the denoised preview starts with the first results.</p>
        ) : preview.state === 'working' || preview.state === 'off' ? (
          <p className="hint" aria-live="polite">
            Denoising in this browser…
          </p>
        ) : preview.state === 'failed' ? (
          <div className="notice notice--warn" role="status" data-testid="denoise-error">
            <p>{preview.error}</p>
            <p>{preview.nextStep}</p>
          </div>
        ) : (
          <>
            <figure
              className="preview"
              style={{ width: `${Math.round(width * scale)}px`, aspectRatio: `${width} / ${height}` }}
            >
              {/* biome-ignore lint/performance/noImgElement: a PNG made in this browser, behind an object URL */}
              <img
                className="preview__image pixelated"
                data-testid="denoised-image"
                data-version={preview.version}
                src={preview.pngUrl}
                alt="Denoised preview of the render (filtered in this browser)"
                width={width}
                height={height}
              />
              <figcaption className="denoised-view__label">Denoised preview</figcaption>
            </figure>
            <p className="hint" aria-live="polite">
              An edge-aware filter has smoothed the grain, guided by the colours and shapes of the scene’s
              surfaces: fine detail in lighting (soft shadows, caustics) can look cleaner than the samples so
              far justify. Checks, payment and the downloads above use the unfiltered image.
              {preview.working ? ' Updating…' : ''}
            </p>
            <p className="denoised-view__downloads">
              <a
                className="button button--secondary"
                href={preview.pngUrl}
                download={`lumengrid-${job.id}-denoised.png`}
                data-testid="download-denoised-png"
              >
                Download denoised PNG
              </a>{' '}
              <a
                className="button button--secondary"
                href={preview.pfmUrl}
                download={`lumengrid-${job.id}-denoised.pfm`}
              >
                Download denoised PFM
              </a>
            </p>
          </>
        )}
      </div>
    </section>
  );
}
