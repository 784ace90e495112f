import type { JobPlan } from '../../lib/dashboard/job-plan';
import { CONFIDENCE_CHOICES, VERIFICATION_COST_NOTE } from '../../lib/dashboard/verification-view';
import { REDUNDANCY_MODES, type RedundancyMode } from '../../lib/protocol/job-spec';
import type { FieldBinder } from './use-job-form';

const REDUNDANCY_LABELS: Record<RedundancyMode, string> = {
  'spot-checks': 'Spot checks only',
  'independent-seeds': 'Spot checks + an independent replica of every unit (2× samples)',
};

/** The job form's verification: the confidence (with what its spot checks cost) and the redundancy. */
export function JobVerificationFields({
  id,
  field,
  plan,
}: {
  id: string;
  field: FieldBinder;
  plan: JobPlan;
}) {
  return (
    <>
      <div className="job-form__verification">
        <div className="field">
          <label htmlFor={`${id}-confidence`}>Verification confidence</label>
          <select {...field('confidence')} aria-describedby={`${id}-verification-cost ${id}-confidence-note`}>
            {CONFIDENCE_CHOICES.map((choice) => (
              <option key={choice.value} value={String(choice.value)}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
        <output
          id={`${id}-verification-cost`}
          className="verification-cost"
          aria-live="polite"
          data-testid="verification-cost"
        >
          {plan.ok
            ? plan.verification
            : 'Each unit is re-rendered at random pixels by another contributor; the cost shows once the settings are valid.'}
        </output>
      </div>
      <p id={`${id}-confidence-note`} className="hint">
        {VERIFICATION_COST_NOTE}
      </p>
      <div className="field job-form__spaced">
        <label htmlFor={`${id}-redundancy`}>Redundancy</label>
        <select {...field('redundancy')} aria-describedby={`${id}-redundancy-note`}>
          {REDUNDANCY_MODES.map((mode) => (
            <option key={mode} value={mode}>
              {REDUNDANCY_LABELS[mode]}
            </option>
          ))}
        </select>
      </div>
      <p id={`${id}-redundancy-note`} className="hint">
        A replica is the same unit rendered by another contributor with its own random numbers; the two are
        compared statistically before their spot checks, and both are kept, so the image ends with twice the
        samples for twice the cost.
      </p>
    </>
  );
}
