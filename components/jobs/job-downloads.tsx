import { formatPercent } from '../../lib/client/format';
import type { JobView } from '../../lib/protocol/api-types';
import { finalSamplesPerPixel } from '../../lib/protocol/tiles';

/** What the requestor gets: the image as PNG for viewing and as linear float data for further work. */
export function JobDownloads({ job }: { job: JobView }) {
  const base = `/api/jobs/${encodeURIComponent(job.id)}`;
  const done = job.status === 'done';
  const share = job.pixelSamplesTotal > 0 ? job.pixelSamplesDone / job.pixelSamplesTotal : 0;
  const { width, height } = job.spec;
  return (
    <section
      id="downloads"
      className="card downloads-card"
      aria-labelledby="downloads-title"
      data-testid="job-downloads"
    >
      <h2 id="downloads-title">Your image</h2>
      <p className="hint downloads-card__when">
        {done
          ? `Finished: ${width}×${height} px, ${finalSamplesPerPixel(job.spec)} samples per pixel.`
          : job.pixelSamplesDone > 0
            ? `Rendering: a download now is the image so far (${formatPercent(share)} of its samples, noisier than the final one).`
            : 'Nothing rendered yet: downloads fill in as contributors’ work is accepted.'}
      </p>
      <ul className="download-list">
        <li className="download-list__item">
          <a
            className={`button ${done ? 'button--primary' : 'button--secondary'}`}
            href={`${base}/image.png`}
            download={`lumengrid-${job.id}.png`}
            aria-describedby="download-png-what"
          >
            Download PNG
          </a>
          <span id="download-png-what" className="download-list__what">
            <strong>To view and share.</strong> 8-bit sRGB, tone-mapped like the preview; opens anywhere.
          </span>
        </li>
        <li className="download-list__item">
          <a
            className="button button--secondary"
            href={`${base}/image.pfm`}
            download={`lumengrid-${job.id}.pfm`}
            aria-describedby="download-pfm-what"
          >
            Download linear float (PFM)
          </a>
          <span id="download-pfm-what" className="download-list__what">
            <strong>To keep working on it.</strong> 32-bit float linear radiance, not tone-mapped or clipped:
            for compositing, denoising or your own exposure. GIMP, ImageMagick and OpenImageIO read it.
          </span>
        </li>
        <li className="download-list__item">
          <a
            className="button button--secondary"
            href={`${base}/image.exr`}
            download={`lumengrid-${job.id}.exr`}
            aria-describedby="download-exr-what"
          >
            Download OpenEXR
          </a>
          <span id="download-exr-what" className="download-list__what">
            <strong>For film and VFX tools.</strong> The same 32-bit float linear RGB as the PFM, in the
            format Blender, Nuke, Photoshop and OpenImageIO open directly.
          </span>
        </li>
      </ul>
    </section>
  );
}
