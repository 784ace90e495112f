import { formatSi } from '../../lib/client/format';
import type { JobPlan } from '../../lib/dashboard/job-plan';
import { JOB_LIMITS } from '../../lib/protocol/limits';
import { formatEther, type JobCost } from '../../lib/settlement/pricing';

/**
 * "What it takes": the job's pixel-samples, units and spot checks, and its deposit when paid (free
 * otherwise), or why the settings make no valid job.
 */
export function JobPlanSummary({ plan, paid, cost }: { plan: JobPlan; paid: boolean; cost: JobCost | null }) {
  return (
    <output className="job-form__plan" aria-live="polite" data-testid="job-plan">
      {plan.ok ? (
        <>
          <span className="job-form__plan-title">What it takes</span>
          <span className="job-form__plan-figures">
            <span>
              <strong data-testid="plan-pixel-samples">{formatSi(plan.pixelSamples)}</strong> pixel-samples
            </span>
            <span>
              in <strong data-testid="plan-units">{plan.units.toLocaleString('en')}</strong>{' '}
              {plan.units === 1 ? 'unit' : 'units'}
            </span>
            <span>
              + about <strong>{formatSi(plan.checkPixelSamples)}</strong> for spot checks
            </span>
            <span data-testid="plan-price">
              {paid && cost ? (
                <>
                  deposit <strong>{formatEther(cost.depositWei)}</strong>
                </>
              ) : (
                <>
                  <strong>free</strong>: volunteers render it
                </>
              )}
            </span>
          </span>
          <span className="muted small job-form__plan-how">
            A unit is one tile of {plan.tileSize} px × {plan.samplesPerUnit} samples: a short piece of work,
            so a closed tab loses little.
          </span>
          {plan.tooMany ? (
            <span className="error-text">
              More than {formatSi(JOB_LIMITS.maxUnits)} units: use larger tiles or more samples per unit.
            </span>
          ) : null}
        </>
      ) : (
        <span className="warn-text">{plan.problem}</span>
      )}
    </output>
  );
}
