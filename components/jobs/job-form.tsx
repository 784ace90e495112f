'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, useCallback, useId, useState } from 'react';
import { ApiError, createJob } from '../../lib/client/api';
import {
  ENVIRONMENT_CHOICES,
  ENVIRONMENT_LABELS,
  type EnvironmentChoice,
  environmentOf,
} from '../../lib/client/environment-presets';
import { formatSi } from '../../lib/client/format';
import { LOCAL_LIMITS, localRenderHref } from '../../lib/client/local-render-params';
import {
  CONFIDENCE_CHOICES,
  DEFAULT_CONFIDENCE,
  describeVerificationCost,
  VERIFICATION_COST_NOTE,
  verificationCost,
} from '../../lib/client/verification-view';
import type { JobView, SceneSummary } from '../../lib/core/api-types';
import {
  JOB_LIMITS,
  type JobRequest,
  JobRequestSchema,
  REDUNDANCY_MODES,
  type RedundancyMode,
} from '../../lib/core/job-spec';
import { formatEther, type JobCost, jobCost } from '../../lib/core/payments';
import { finalSamplesPerPixel, planTiling, unitCount } from '../../lib/core/tiling';
import { useWallet } from '../wallet/use-wallet';
import { JobPaymentChoice, type PaymentChoice } from './job-payment-choice';
import { SceneDetails } from './scene-details';
import { SceneOptions } from './scene-options';
import { ScenePreflight } from './scene-preflight';
import { SceneUpload } from './scene-upload';
import { stashDepositProblem, useJobDeposit } from './use-job-deposit';
import { useSceneList } from './use-scene-list';

interface Fields {
  /** A built-in scene's id or an uploaded scene's hash. */
  scene: string;
  environment: EnvironmentChoice;
  width: string;
  height: string;
  samplesPerPixel: string;
  maxBounces: string;
  tileSize: string;
  samplesPerUnit: string;
  seed: string;
  /** One of CONFIDENCE_CHOICES, as its number's text. */
  confidence: string;
  redundancy: RedundancyMode;
}

const DEFAULTS: Fields = {
  scene: 'cornell',
  environment: 'default',
  width: '256',
  height: '256',
  samplesPerPixel: '64',
  maxBounces: '6',
  tileSize: '',
  samplesPerUnit: '',
  seed: '',
  confidence: String(DEFAULT_CONFIDENCE),
  redundancy: 'spot-checks',
};

const REDUNDANCY_LABELS: Record<RedundancyMode, string> = {
  'spot-checks': 'Spot checks only',
  'independent-seeds': 'Spot checks + an independent replica of every unit (2× samples)',
};

/** Empty optional fields are left out so that the server chooses; other text goes as a number (NaN -> null). */
function toRequest(f: Fields): JobRequest {
  const num = (s: string) => (s.trim() === '' ? undefined : Number(s));
  const request: Record<string, unknown> = {
    scene: f.scene,
    // Only a deliberate choice is sent: without one the job gets the scene's own environment.
    environment: environmentOf(f.environment),
    width: num(f.width),
    height: num(f.height),
    samplesPerPixel: num(f.samplesPerPixel),
    maxBounces: num(f.maxBounces),
    tileSize: num(f.tileSize),
    samplesPerUnit: num(f.samplesPerUnit),
    seed: num(f.seed),
    confidence: num(f.confidence),
    redundancy: f.redundancy,
  };
  for (const key of Object.keys(request)) if (request[key] === undefined) delete request[key];
  return request as unknown as JobRequest;
}

type Plan =
  | {
      ok: true;
      pixelSamples: number;
      units: number;
      tileSize: number;
      samplesPerUnit: number;
      tooMany: boolean;
      confidence: number;
      /** What spot checks add, for this confidence and tile size (lib/core/verification-policy.ts). */
      verification: string;
      /** Pixel-samples the spot checks are expected to render on top (trusted contributors). */
      checkPixelSamples: number;
    }
  | { ok: false; problem: string };

/** What the server will plan for these fields, computed with the same code (lib/core/tiling.ts). */
function preview(f: Fields): Plan {
  const parsed = JobRequestSchema.safeParse(toRequest(f));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ok: false, problem: `${where}${issue?.message ?? 'invalid request'}` };
  }
  const spec = { ...parsed.data, ...planTiling(parsed.data) };
  const units = unitCount(spec);
  const pixelSamples = spec.width * spec.height * finalSamplesPerPixel(spec);
  const checks = verificationCost(spec.confidence, spec.tileSize);
  return {
    ok: true,
    pixelSamples,
    units,
    tileSize: spec.tileSize,
    samplesPerUnit: spec.samplesPerUnit,
    tooMany: units > JOB_LIMITS.maxUnits,
    confidence: spec.confidence,
    verification: describeVerificationCost(checks),
    checkPixelSamples: Math.round(pixelSamples * checks.overhead),
  };
}

/** What the job will cost at the escrow's price: the same computation as the coordinator's. */
function costOf(plan: Plan, priceWeiPerPixelSample: string): JobCost | null {
  if (!plan.ok) return null;
  return jobCost({
    pixelSamples: plan.pixelSamples,
    confidence: plan.confidence,
    unitPixels: plan.tileSize * plan.tileSize,
    priceWeiPerPixelSample: BigInt(priceWeiPerPixelSample),
  });
}

export function JobForm() {
  const router = useRouter();
  const id = useId();
  const [fields, setFields] = useState<Fields>(DEFAULTS);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<{ message: string; next: string[] } | null>(null);
  // Null until the person chooses: then a connected wallet means paid, none means unpaid.
  const [payment, setPayment] = useState<PaymentChoice | null>(null);
  // The coordinator's own figure, when it asked for more than this page computed (reset on any edit).
  const [minimumDeposit, setMinimumDeposit] = useState<bigint | null>(null);
  const [step, setStep] = useState<string | null>(null);
  const sceneList = useSceneList();
  const plan = preview(fields);
  const scene = sceneList.find(fields.scene) ?? null;
  const wallet = useWallet();
  const depositFlow = useJobDeposit();
  const choice: PaymentChoice = payment ?? (wallet.connected ? 'paid' : 'unpaid');
  const paid = wallet.info !== null && choice === 'paid';
  const computed = wallet.info ? costOf(plan, wallet.info.priceWeiPerPixelSample) : null;
  const cost =
    computed && minimumDeposit !== null && minimumDeposit > computed.depositWei
      ? { ...computed, depositWei: minimumDeposit }
      : computed;

  const field = (name: keyof Fields) => ({
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
  const aspect = Number(fields.width) / Number(fields.height);

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
      const job = await createJob(toRequest(fields));
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
    if (!cost || !wallet.ready) return;
    setSubmitting(true);
    setError(null);
    setStep('Creating job…');
    let job: JobView;
    try {
      job = await createJob({ ...toRequest(fields), budgetWei: cost.depositWei.toString() });
    } catch (cause) {
      setSubmitting(false);
      setStep(null);
      const needed = (cause instanceof ApiError ? cause.details : null) as { depositWei?: unknown } | null;
      if (typeof needed?.depositWei === 'string' && /^[0-9]+$/.test(needed.depositWei)) {
        const minimum = BigInt(needed.depositWei);
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

  const localOk =
    plan.ok &&
    Number(fields.width) <= LOCAL_LIMITS.maxDimension &&
    Number(fields.height) <= LOCAL_LIMITS.maxDimension &&
    Number(fields.samplesPerPixel) <= LOCAL_LIMITS.maxSamplesPerPixel;

  return (
    <form className="card job-form" onSubmit={onSubmit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>New render job</h2>
      <div className="scene-setup">
        <div className="scene-setup__main">
          <div className="field">
            <label htmlFor={`${id}-scene`}>Scene</label>
            <select {...field('scene')} data-testid="scene-select">
              <SceneOptions scenes={sceneList.scenes} current={fields.scene} />
            </select>
          </div>
          {sceneList.error ? (
            <p className="notice notice--error" role="alert">
              Could not load the scenes: <span className="pre-line">{sceneList.error}</span>{' '}
              <button type="button" className="link-button" onClick={sceneList.reload}>
                Try again
              </button>
            </p>
          ) : null}
          {scene ? <SceneDetails scene={scene} /> : null}
          <SceneUpload onUploaded={onUploaded} />
        </div>
        <ScenePreflight scene={scene} env={fields.environment} aspect={aspect} />
      </div>

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
            <input
              {...field('seed')}
              type="number"
              inputMode="numeric"
              step={1}
              placeholder="server chooses"
            />
          </div>
        </div>
        <p className="hint">
          The environment lights rays that leave the scene; the scene default is black for built-in scenes lit
          by their own lamps and a sky for everything else. A unit is one tile times a range of samples; small
          units keep each contributor’s share short. The seed fixes every random number, so the same job
          renders the same image on any GPU.
        </p>
      </details>

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

      {wallet.info ? (
        <JobPaymentChoice
          choice={choice}
          onChoose={(next) => {
            setPayment(next);
            setError(null);
          }}
          cost={cost}
          disabled={submitting}
        />
      ) : null}

      {error ? (
        <div className="notice notice--error" role="alert" data-testid="job-form-error">
          <p className="notice__title">{error.message}</p>
          {error.next.length > 0 ? (
            <ul>
              {error.next.map((step) => (
                <li key={step}>{step}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}

      <div className="job-form__actions">
        <button
          type="submit"
          className="button button--primary"
          disabled={submitting || (paid && (!wallet.ready || !cost))}
        >
          {paid
            ? submitting
              ? 'Paying…'
              : 'Create job and deposit'
            : submitting
              ? 'Creating…'
              : 'Create job'}
        </button>
        {paid && submitting ? (
          <output className="job-form__step" aria-live="polite" data-testid="payment-step">
            <span className="spinner spinner--small" aria-hidden="true" />{' '}
            {step ?? depositFlow.step ?? 'Opening the job…'}
          </output>
        ) : null}
        {localOk ? (
          <Link
            className="link-quiet"
            href={localRenderHref({
              scene: fields.scene,
              env: fields.environment,
              width: Number(fields.width),
              height: Number(fields.height),
              spp: Number(fields.samplesPerPixel),
              maxBounces: Number(fields.maxBounces),
              seed: fields.seed.trim() ? Number(fields.seed) : undefined,
            })}
          >
            Preview it in this browser first
          </Link>
        ) : null}
      </div>
    </form>
  );
}
