'use client';

import { useId } from 'react';
import { localPreviewParams } from '../../lib/dashboard/job-plan';
import { JobAdvancedFields } from './job-advanced-fields';
import { JobFormActions } from './job-form-actions';
import { JobFormError } from './job-form-error';
import { JobFramesFields } from './job-frames-fields';
import { JobPaymentChoice } from './job-payment-choice';
import { JobPlanSummary } from './job-plan-summary';
import { JobPrivacyField } from './job-privacy-field';
import { JobSceneSetup } from './job-scene-setup';
import { JobSizeFields } from './job-size-fields';
import { JobVerificationFields } from './job-verification-fields';
import { useJobForm } from './use-job-form';

/** The new render job: scene, image, verification, advanced settings, what it takes, payment and submit. */
export function JobForm() {
  const id = useId();
  const form = useJobForm(id);
  const { fields, field, plan, cost, paid, wallet, submitting } = form;
  const aspect = Number(fields.width) / Number(fields.height);

  return (
    <form className="card job-form" onSubmit={form.onSubmit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>New render job</h2>
      <JobSceneSetup
        id={id}
        field={field}
        current={fields.scene}
        sceneList={form.sceneList}
        scene={form.scene}
        env={fields.environment}
        aspect={aspect}
        onUploaded={form.onUploaded}
        onEnvironmentMap={(map) => {
          field('environmentMap').onChange({ target: { value: map.hash } });
          field('environment').onChange({ target: { value: 'map' } });
        }}
      />
      <JobSizeFields id={id} field={field} />
      <JobFramesFields
        id={id}
        field={field}
        animationSeconds={form.scene?.stats.animationSeconds ?? 0}
        fps={fields.fps}
      />
      <JobVerificationFields id={id} field={field} plan={plan} />
      <JobAdvancedFields id={id} field={field} plan={plan} />
      <JobPlanSummary plan={plan} paid={paid} cost={cost} />
      <JobPrivacyField
        id={id}
        checked={form.privateJob}
        onChange={form.setPrivateJob}
        disabled={submitting}
      />

      {wallet.info ? (
        <JobPaymentChoice
          choice={form.choice}
          onChoose={form.choosePayment}
          cost={cost}
          disabled={submitting}
        />
      ) : null}

      {form.error ? <JobFormError error={form.error} /> : null}

      <JobFormActions
        paid={paid}
        submitting={submitting}
        disabled={submitting || (paid && (!wallet.ready || !cost))}
        step={form.step}
        localPreview={localPreviewParams(fields, plan)}
      />
    </form>
  );
}
