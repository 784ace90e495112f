import { ENVIRONMENT_CHOICES, ENVIRONMENT_LABELS } from '../../lib/dashboard/environment-presets';
import type { JobPlan } from '../../lib/dashboard/job-plan';
import type { FieldBinder } from './use-job-form';

/** The job form's "Advanced" fold: environment, bounces, unit size and seed (empty: the server chooses). */
export function JobAdvancedFields({ id, field, plan }: { id: string; field: FieldBinder; plan: JobPlan }) {
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
        by their own lamps and a sky for everything else. A unit is one tile times a range of samples; small
        units keep each contributor’s share short. The seed fixes every random number, so the same job renders
        the same image on any GPU.
      </p>
    </details>
  );
}
