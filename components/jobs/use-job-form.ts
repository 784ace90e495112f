'use client';

import { useRouter } from 'next/navigation';
import { type FormEvent, useCallback, useState } from 'react';
import { ApiError, createJob } from '../../lib/client/api';
import {
  JOB_FORM_DEFAULTS,
  type JobFormFields,
  planCost,
  previewJobPlan,
  toJobRequest,
} from '../../lib/dashboard/job-plan';
import type { CreatedJobView, SceneSummary } from '../../lib/protocol/api-types';
import { depositAskedFor, formatEther, withMinimumDeposit } from '../../lib/settlement/pricing';
import { useWallet } from '../wallet/use-wallet';
import type { PaymentChoice } from './job-payment-choice';
import { stashDepositProblem, useJobDeposit } from './use-job-deposit';
import { useOwner, useOwnerToken } from './use-owner';
import { useSceneList } from './use-scene-list';

export interface FormError {
  message: string;
  next: string[];
}

/** What a form control needs to show and edit one field: spread onto an <input> or <select>. */
export interface FieldProps {
  id: string;
  name: keyof JobFormFields;
  value: string;
  onChange: (event: { target: { value: string } }) => void;
}

export type FieldBinder = (name: keyof JobFormFields) => FieldProps;

/**
 * The new-job form's state: its fields, the plan and cost they make, the payment choice, and the submit that
 * creates the job (and deposits for it when paid), then opens the job's page. `id` prefixes control ids.
 */
export function useJobForm(id: string) {
  const router = useRouter();
  const [fields, setFields] = useState<JobFormFields>(JOB_FORM_DEFAULTS);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<FormError | null>(null);
  // Null until the person chooses: then a connected wallet means paid, none means unpaid.
  const [payment, setPayment] = useState<PaymentChoice | null>(null);
  // The coordinator's own figure, when it asked for more than this page computed (reset on any edit).
  const [minimumDeposit, setMinimumDeposit] = useState<bigint | null>(null);
  const [step, setStep] = useState<string | null>(null);
  // Unlisted, readable with this browser's owner token only (contributors still render it).
  const [privateJob, setPrivateJob] = useState(false);
  const ownerToken = useOwnerToken();
  const adopt = useOwner((state) => state.adopt);
  const sceneList = useSceneList();
  const plan = previewJobPlan(fields);
  const scene = sceneList.find(fields.scene) ?? null;
  const wallet = useWallet();
  const depositFlow = useJobDeposit();
  const choice: PaymentChoice = payment ?? (wallet.connected ? 'paid' : 'unpaid');
  const paid = wallet.info !== null && choice === 'paid';
  const computed = wallet.info ? planCost(plan, wallet.info.priceWeiPerPixelSample) : null;
  const cost = computed ? withMinimumDeposit(computed, minimumDeposit) : computed;

  const field: FieldBinder = (name) => ({
    id: `${id}-${name}`,
    name,
    value: fields[name],
    onChange: (event: { target: { value: string } }) => {
      const value = event.target.value;
      setFields((f) => ({ ...f, [name]: value }));
      // The server's answer was about the old values.
      setError(null);
      setMinimumDeposit(null);
    },
  });

  const { add } = sceneList;
  const onUploaded = useCallback(
    (uploaded: SceneSummary) => {
      add(uploaded);
      setFields((f) => ({ ...f, scene: uploaded.hash }));
      setError(null);
    },
    [add],
  );

  function choosePayment(next: PaymentChoice) {
    setPayment(next);
    setError(null);
  }

  function showError(cause: unknown) {
    if (cause instanceof ApiError) setError({ message: cause.shortMessage, next: cause.metaMessages });
    else {
      const detail = cause instanceof Error ? cause.message : String(cause);
      setError({
        message: `Could not reach the server: ${detail}`,
        next: ['Check your connection and press Create job again.'],
      });
    }
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (paid) return submitPaid();
    setSubmitting(true);
    setError(null);
    try {
      const job = await createJob({ ...toJobRequest(fields), private: privateJob }, { ownerToken });
      adopt(job.ownerToken);
      router.push(`/jobs/${encodeURIComponent(job.id)}`);
    } catch (cause) {
      setSubmitting(false);
      showError(cause);
    }
  }

  /**
   * Paid: create the job with its deposit as budget, deposit it from the wallet, then open the job. Once the
   * job exists it is opened whatever happens to the deposit: its page shows why and can deposit again.
   */
  async function submitPaid() {
    if (!cost || !wallet.ready || !wallet.address) return;
    setSubmitting(true);
    setError(null);
    setStep('Creating job…');
    let job: CreatedJobView;
    try {
      // The connected wallet is the requestor: only its deposit funds the job.
      job = await createJob(
        {
          ...toJobRequest(fields),
          private: privateJob,
          budgetWei: cost.depositWei.toString(),
          requestor: wallet.address,
        },
        { ownerToken },
      );
      adopt(job.ownerToken);
    } catch (cause) {
      setSubmitting(false);
      setStep(null);
      const minimum = depositAskedFor(cause instanceof ApiError ? cause.details : null);
      if (minimum !== null) {
        setMinimumDeposit(minimum);
        setError({
          message: `The coordinator asks a deposit of ${formatEther(minimum)} for this job, more than shown`,
          next: [`Press Create job and deposit again to deposit ${formatEther(minimum)}.`],
        });
      } else showError(cause);
      return;
    }
    setStep(null);
    const outcome = await depositFlow.deposit(job);
    if (!outcome.ok) stashDepositProblem(job.id, outcome.problem);
    else if (outcome.warning) stashDepositProblem(job.id, { warning: outcome.warning });
    router.push(`/jobs/${encodeURIComponent(job.id)}`);
  }

  return {
    fields,
    field,
    plan,
    cost,
    choice,
    paid,
    wallet,
    sceneList,
    scene,
    submitting,
    error,
    /** What the paid submit is doing now, for the step line under the button. */
    step: step ?? depositFlow.step,
    choosePayment,
    privateJob,
    setPrivateJob,
    onUploaded,
    onSubmit,
  };
}
