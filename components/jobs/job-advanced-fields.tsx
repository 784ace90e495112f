import {
  ENVIRONMENT_CHOICES,
  ENVIRONMENT_LABELS,
  isMapChoice,
} from '../../lib/dashboard/environment-presets';
import type { JobPlan } from '../../lib/dashboard/job-plan';
import { EnvironmentMapUpload } from './environment-map-upload';
import type { FieldBinder } from './use-job-form';

/**
 * The job form's "Advanced" fold: environment (an HDR map with its rotation and intensity), lens and pixel
 * filter, bounces, unit size and seed (empty: the server chooses).
 */
export function JobAdvancedFields({ id, field, plan }: { id: string; field: FieldBinder; plan: JobPlan }) {
  const map = isMapChoice(field('environment').value as never);
  return (
    <details className="advanced">
      <summary>Advanced</summary>
      <div className="job-form__grid">
        <div className="field">
          <label htmlFor={`${id}-environment`}>Environment</label>
          <select {...field('environment')}>
            {ENVIRONMENT_CHOICES.map((choice) => (
              <option key={choice} value={choice}>
                {ENVIRONMENT_LABELS[choice]}
              </option>
            ))}
          </select>
        </div>
        {map ? (
          <>
            <div className="field">
              <label htmlFor={`${id}-mapRotation`}>Map rotation (°)</label>
              <input
                {...field('mapRotation')}
                type="number"
                inputMode="decimal"
                step={15}
                min={-360}
                max={360}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-mapIntensity`}>Map intensity</label>
              <input {...field('mapIntensity')} type="number" inputMode="decimal" step={0.1} min={0} />
            </div>
          </>
        ) : null}
        <EnvironmentMapUpload id={id} field={field} />
        <div className="field">
          <label htmlFor={`${id}-apertureRadius`}>Aperture radius</label>
          <input
            {...field('apertureRadius')}
            type="number"
            inputMode="decimal"
            step={0.01}
            min={0}
            placeholder="pinhole"
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-focusDistance`}>Focus distance</label>
          <input
            {...field('focusDistance')}
            type="number"
            inputMode="decimal"
            step={0.1}
            min={0}
            placeholder="with an aperture"
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-pixelFilter`}>Pixel filter</label>
          <select {...field('pixelFilter')}>
            <option value="gaussian">Gaussian (smooth edges)</option>
            <option value="box">Box (sharpest)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-maxBounces`}>Max bounces</label>
          <input {...field('maxBounces')} type="number" inputMode="numeric" step={1} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-tileSize`}>Tile size</label>
          <input
            {...field('tileSize')}
            type="number"
            inputMode="numeric"
            step={1}
            placeholder={plan.ok ? `auto (${plan.tileSize})` : 'auto'}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-samplesPerUnit`}>Samples per unit</label>
          <input
            {...field('samplesPerUnit')}
            type="number"
            inputMode="numeric"
            step={1}
            placeholder={plan.ok ? `auto (${plan.samplesPerUnit})` : 'auto'}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-seed`}>Seed</label>
          <input {...field('seed')} type="number" inputMode="numeric" step={1} placeholder="server chooses" />
        </div>
      </div>
      <p className="hint">
        The environment lights rays that leave the scene; the scene default is black for built-in scenes lit
        by their own lamps and a sky for everything else. An HDR map (a built-in one or your own
        equirectangular .hdr) is importance-sampled; rotation turns it about the up axis. An aperture radius
        (in scene units, e.g. metres) with a focus distance gives depth of field. A unit is one tile times a
        range of samples; small units keep each contributor’s share short. The seed fixes every random number,
        so the same job renders the same image on any GPU.
      </p>
    </details>
  );
}
