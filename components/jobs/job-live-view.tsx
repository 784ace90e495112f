'use client';

import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { ApiError, getJob, getSceneSummary, isAbortError } from '../../lib/client/api';
import { describeEnvironment, presetOf } from '../../lib/client/environment-presets';
import { formatDuration, formatRate, formatSi } from '../../lib/client/format';
import { LOCAL_LIMITS, localRenderHref } from '../../lib/client/local-render-params';
import type { JobView, SceneSummary } from '../../lib/core/api-types';
import { finalSamplesPerPixel } from '../../lib/core/tiling';
import { ProgressBar } from '../ui/progress-bar';
import { StatusBadge } from '../ui/status-badge';
import { usePageVisible } from '../ui/use-page-visible';
import { JobPaymentPanel } from './job-payment';
import { JobPreview } from './job-preview';
import { JobVerificationPanel } from './job-verification';
import { usePolling } from './use-polling';
import { shortHash } from './use-scene-list';

type Feed = 'connecting' | 'live' | 'polling';

/**
 * A job as it renders: Server-Sent Events push every change; when the stream fails the view polls every
 * 2 s instead. Both stop once the job is done, except that a paid job's page polls every 5 s (while
 * visible) until its deposit is refunded, to show settlements, closing and the refund.
 */
export function JobLiveView({ jobId }: { jobId: string }) {
  const [job, setJob] = useState<JobView | null>(null);
  const [missing, setMissing] = useState<{ message: string; next: string[] } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [feed, setFeed] = useState<Feed>('connecting');
  const done = job?.status === 'done';
  // A paid job's money moves after its last pixel (settlements, closing, the refund): keep looking.
  const paymentOpen = job?.payment != null && job.payment.state !== 'refunded';
  const visible = usePageVisible();

  // Take the newest view: events and polls may arrive out of order.
  const accept = useCallback(
    (next: JobView) =>
      setJob((prev) => (prev && prev.id === next.id && prev.version > next.version ? prev : next)),
    [],
  );

  useEffect(() => {
    const controller = new AbortController();
    getJob(jobId, { signal: controller.signal })
      .then(accept)
      .catch((cause) => {
        if (isAbortError(cause)) return;
        if (cause instanceof ApiError && cause.status === 404) {
          setMissing({ message: cause.shortMessage, next: cause.metaMessages });
        } else setProblem(cause instanceof Error ? cause.message : String(cause));
      });
    return () => controller.abort();
  }, [jobId, accept]);

  useEffect(() => {
    if (done || missing || typeof EventSource === 'undefined') {
      if (typeof EventSource === 'undefined') setFeed('polling');
      return;
    }
    const source = new EventSource(`/api/jobs/${encodeURIComponent(jobId)}/events`);
    source.addEventListener('open', () => setFeed('live'));
    source.addEventListener('job', (event) => {
      try {
        accept(JSON.parse((event as MessageEvent<string>).data) as JobView);
        setProblem(null);
        setFeed('live');
      } catch {
        // A malformed event: the next one (or polling) brings the state.
      }
    });
    source.addEventListener('error', () => {
      // EventSource would reconnect on its own; polling is simpler to reason about and always works.
      source.close();
      setFeed('polling');
    });
    return () => source.close();
  }, [jobId, done, missing, accept]);

  usePolling(
    async (signal) => {
      try {
        accept(await getJob(jobId, { signal }));
        setProblem(null);
      } catch (cause) {
        if (isAbortError(cause)) return;
        if (cause instanceof ApiError && cause.status === 404) {
          setMissing({ message: cause.shortMessage, next: cause.metaMessages });
        } else setProblem(cause instanceof Error ? cause.message : String(cause));
      }
    },
    done ? 5000 : 2000,
    !missing && (done ? paymentOpen && visible : feed === 'polling'),
  );

  if (missing) {
    return (
      <div className="card notice notice--error" role="alert">
        <p className="notice__title">{missing.message || 'This job does not exist.'}</p>
        {missing.next.map((step) => (
          <p key={step}>{step}</p>
        ))}
        <p>
          <Link href="/jobs">Back to the jobs</Link>
        </p>
      </div>
    );
  }
  if (!job) {
    return (
      <p className="muted" aria-live="polite">
        {problem ? `Could not load the job: ${problem}` : 'Loading the job…'}
      </p>
    );
  }
  return <JobDetails job={job} feed={feed} problem={problem} onJob={accept} />;
}

function JobDetails({
  job,
  feed,
  problem,
  onJob,
}: {
  job: JobView;
  feed: Feed;
  problem: string | null;
  onJob: (job: JobView) => void;
}) {
  const { spec } = job;
  const done = job.status === 'done';
  const now = useNow(done ? null : 1000);
  const fraction = job.unitsTotal > 0 ? job.unitsDone / job.unitsTotal : 0;
  // The server's clock and this tab's may disagree by a little: never show a negative duration.
  const elapsedMs = job.startedAt ? Math.max(0, (job.completedAt ?? now) - job.startedAt) : 0;
  // Under a second of history gives a wild rate: wait for a fair sample unless the job is finished.
  const rate = elapsedMs >= (done ? 1 : 1000) ? job.pixelSamplesDone / (elapsedMs / 1000) : null;
  const remaining = job.pixelSamplesTotal - job.pixelSamplesDone;
  const etaMs = rate && rate > 0 && !done ? (remaining / rate) * 1000 : null;
  const base = `/api/jobs/${encodeURIComponent(job.id)}`;
  const scene = useSceneSummary(spec.sceneHash);
  // /render names environments by preset; a job with any other environment has no local twin.
  const env = presetOf(spec.environment);
  const localOk =
    env !== null &&
    spec.width <= LOCAL_LIMITS.maxDimension &&
    spec.height <= LOCAL_LIMITS.maxDimension &&
    spec.samplesPerPixel <= LOCAL_LIMITS.maxSamplesPerPixel;

  return (
    <div className="job-view">
      <div className="job-view__head">
        <h1>
          Job <span className="mono">{job.id.slice(0, 8)}</span>
        </h1>
        <span className="job-view__scene" data-testid="job-scene" title={spec.sceneHash}>
          {scene ? scene.name : 'Scene'} <span className="mono muted">{shortHash(spec.sceneHash)}</span>
        </span>
        <StatusBadge status={job.status} testId="job-status" />
        <span className={`feed feed--${feed}`} title="How this page gets updates">
          {done
            ? 'final'
            : feed === 'live'
              ? 'live'
              : feed === 'polling'
                ? 'polling every 2 s'
                : 'connecting…'}
        </span>
      </div>

      <div className="job-view__body">
        <JobPreview
          jobId={job.id}
          version={job.version}
          width={spec.width}
          height={spec.height}
          samplesPerPixel={finalSamplesPerPixel(spec)}
          tiles={job.tiles}
          done={done}
        />

        <section className="card job-view__stats" aria-label="Progress">
          <p className="big-figure" data-testid="job-progress">
            {job.unitsDone} / {job.unitsTotal} units
          </p>
          <ProgressBar fraction={fraction} label="Job progress" />
          <dl className="details-list">
            <div>
              <dt>Pixel-samples</dt>
              <dd>
                {formatSi(job.pixelSamplesDone)} of {formatSi(job.pixelSamplesTotal)}
              </dd>
            </div>
            <div>
              <dt>Throughput</dt>
              <dd data-testid="job-throughput">{formatRate(rate)}</dd>
            </div>
            <div>
              <dt>{done ? 'Took' : 'Running for'}</dt>
              <dd>
                {job.startedAt
                  ? formatDuration(elapsedMs)
                  : job.status === 'awaiting-deposit'
                    ? 'waiting for the deposit'
                    : 'waiting for a contributor'}
                {etaMs !== null ? <span className="muted"> · about {formatDuration(etaMs)} left</span> : null}
              </dd>
            </div>
            <div>
              <dt>Scene</dt>
              <dd>
                {scene ? `${scene.name} · ` : null}
                <span className="mono" title={spec.sceneHash}>
                  {shortHash(spec.sceneHash)}
                </span>
                {scene ? (
                  <span className="muted">
                    {' '}
                    · {scene.stats.triangles.toLocaleString('en')}{' '}
                    {scene.stats.triangles === 1 ? 'triangle' : 'triangles'}
                  </span>
                ) : null}
                <span className="muted">
                  {' '}
                  · {describeEnvironment(spec.environment).toLowerCase()} environment
                </span>
              </dd>
            </div>
            <div>
              <dt>Settings</dt>
              <dd>
                {spec.width}×{spec.height} · {spec.samplesPerPixel} spp · {spec.maxBounces} bounces · tiles{' '}
                {spec.tileSize} px · {spec.samplesPerUnit} samples per unit · seed {spec.seed}
              </dd>
            </div>
          </dl>

          <div className="downloads">
            <a
              className="button button--primary"
              href={`${base}/image.png`}
              download={`lumengrid-${job.id}.png`}
            >
              Download PNG
            </a>
            <a
              className="button button--secondary"
              href={`${base}/image.pfm`}
              download={`lumengrid-${job.id}.pfm`}
            >
              Download linear float (PFM)
            </a>
          </div>

          {job.status === 'rendering' ? (
            <p className="hint">
              Open the{' '}
              <Link href="/contribute" target="_blank">
                Contribute page in another tab
              </Link>{' '}
              to render it.
            </p>
          ) : null}
          {localOk ? (
            <p className="hint">
              <Link
                href={localRenderHref({
                  scene: spec.scene,
                  env: env ?? undefined,
                  width: spec.width,
                  height: spec.height,
                  spp: spec.samplesPerPixel,
                  seed: spec.seed,
                  maxBounces: spec.maxBounces,
                })}
              >
                Render the same image in this browser
              </Link>{' '}
              to compare.
            </p>
          ) : null}
          {problem ? (
            <p className="notice notice--warn" role="status">
              Updates are failing: {problem}. Retrying.
            </p>
          ) : null}
        </section>
      </div>

      {job.payment ? <JobPaymentPanel job={job} payment={job.payment} onJob={onJob} /> : null}

      <JobVerificationPanel job={job} />
    </div>
  );
}

/** The summary of the scene a job renders, once it has loaded; null before (or if it cannot be had). */
function useSceneSummary(hash: string): SceneSummary | null {
  const [scene, setScene] = useState<SceneSummary | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    getSceneSummary(hash, { signal: controller.signal }).then(setScene, () => {
      // Only the name is missing: the hash is shown either way.
    });
    return () => controller.abort();
  }, [hash]);
  return scene;
}

/** Date.now(), refreshed every `intervalMs` (or frozen when null). */
function useNow(intervalMs: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (intervalMs === null) return;
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
