import { JOB_LIMITS } from '../../lib/protocol/limits';
import type { FieldBinder } from './use-job-form';

/** The job form's image: width, height and samples per pixel. */
export function JobSizeFields({ id, field }: { id: string; field: FieldBinder }) {
  return (
    <>
      <div className="job-form__grid">
        <div className="field">
          <label htmlFor={`${id}-width`}>Width</label>
          <input
            {...field('width')}
            type="number"
            inputMode="numeric"
            step={1}
            aria-describedby={`${id}-px`}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-height`}>Height</label>
          <input
            {...field('height')}
            type="number"
            inputMode="numeric"
            step={1}
            aria-describedby={`${id}-px`}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-samplesPerPixel`}>Samples per pixel</label>
          <input {...field('samplesPerPixel')} type="number" inputMode="numeric" step={1} />
        </div>
      </div>
      <p id={`${id}-px`} className="hint">
        Pixels, 8 to {JOB_LIMITS.maxDimension}. More samples per pixel means less noise: 64 is a fair preview,
        1024 is clean.
      </p>
    </>
  );
}
