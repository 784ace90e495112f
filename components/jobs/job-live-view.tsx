'use client';

import Link from 'next/link';
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, getJob, getJobProgress, getSceneSummary, isAbortError } from '../../lib/client/api';
import { formatDuration, formatPercent, formatRate, formatSi } from '../../lib/client/format';
import { describeEnvironment, presetOf } from '../../lib/dashboard/environment-presets';
import { mergeJobDelta } from '../../lib/dashboard/job-delta';
import {
  estimateEta,
  formatEta,
  type JobEta,
  jobElapsedMs,
  throughputSeries,
  unitsFraction,
} from '../../lib/dashboard/job-progress';
import { fitsLocalRender, localRenderHref } from '../../lib/dashboard/local-render-params';
import { isFinalStatus, type JobView, type SceneSummary } from '../../lib/protocol/api-types';
import { finalSamplesPerPixel } from '../../lib/protocol/tiles';
import { ProgressBar } from '../ui/progress-bar';
import { StatusBadge } from '../ui/status-badge';
import { useNow } from '../ui/use-now';
import { usePageVisible } from '../ui/use-page-visible';
import { JobDenoisedView } from './job-denoised-view';
import { JobDownloads } from './job-downloads';
import { JobFrameStrip } from './job-frame-strip';
import { useJobHistory, useRecordJob, useSeedJobHistory } from './job-history';
import { JobOwnerControls } from './job-owner-controls';
import { JobPaymentPanel } from './job-payment';
import { JobVerificationPanel } from './job-verification';
import { ThroughputChart } from './throughput-chart';
import { JobImage } from './tile-heatmap';
import { useJobAlerts } from './use-job-alerts';
import { useOwnerToken } from './use-owner';
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
  // Done or cancelled: nothing more streams (a cancelled job's last in-flight results show on reload).
  const done = job ? isFinalStatus(job.status) : false;
  const ownerToken = useOwnerToken();
  const [owned, setOwned] = useState(false);
  const seed = useSeedJobHistory();
  useJobAlerts(job);
  // A paid job's money moves after its last pixel (settlements, closing, the refund): keep looking.
  const paymentOpen = job?.payment != null && job.payment.state !== 'refunded';
  const visible = usePageVisible();

  const record = useRecordJob();
  const newest = useRef(-1);
  // Take the newest view: events and polls may arrive out of order. Each one is also an observation of the
  // job's speed (ETA, throughput chart), taken when it arrives.
  // The view shown, for merging the stream's deltas into (state updaters must stay free of side effects).
  const current = useRef<JobView | null>(null);
  const accept = useCallback(
    (next: JobView) => {
      if (next.version >= newest.current) {
        newest.current = next.version;
        record(next);
      }
      const prev = current.current;
      if (prev && prev.id === next.id && prev.version > next.version) return;
      current.current = next;
      setJob(next);
    },
    [record],
  );

  useEffect(() => {
    const controller = new AbortController();
    getJob(jobId, { signal: controller.signal, ownerToken })
      .then((first) => {
        setOwned(first.ownedByYou === true);
        accept(first);
      })
      .catch((cause) => {
        if (isAbortError(cause)) return;
        if (cause instanceof ApiError && cause.status === 404) {
          setMissing({ message: cause.shortMessage, next: cause.metaMessages });
        } else setProblem(cause instanceof Error ? cause.message : String(cause));
      });
    // The coordinator's record of the progress so far, so a reload keeps the ETA and chart.
    getJobProgress(jobId, { signal: controller.signal, ownerToken })
      .then((history) => seed(jobId, history.samples))
      .catch(() => {
        // Without it the chart starts from what this tab sees, as before.
      });
    return () => controller.abort();
  }, [jobId, accept, ownerToken, seed]);

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
    // Later events carry only the tiles that changed since the one before.
    source.addEventListener('job-delta', (event) => {
      try {
        const delta = JSON.parse((event as MessageEvent<string>).data) as JobView;
        if (current.current) accept(mergeJobDelta(current.current, delta));
        setProblem(null);
        setFeed('live');
      } catch {
        // As above.
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
        accept(await getJob(jobId, { signal, ownerToken }));
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
  return (
    <>
      {owned ? <JobOwnerControls job={job} owned onChanged={accept} /> : null}
      <JobDetails job={job} feed={feed} problem={problem} onJob={accept} />
    </>
  );
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
  const history = useJobHistory(job.id);
  const eta = estimateEta(job, history, now);
  const series = throughputSeries(job, history, now);
  const [heatmap, setHeatmap] = useState(false);
  const imageRef = useRef<HTMLDivElement>(null);
  const fraction = unitsFraction(job);
  const elapsedMs = jobElapsedMs(job, now);
  const scene = useSceneSummary(spec.sceneHash);
  // /render names environments by preset; a job with any other environment has no local twin.
  const env = presetOf(spec.environment);
  const localOk = env !== null && fitsLocalRender(spec);

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

      <JobHeadline job={job} eta={eta} />

      <div className="job-view__body">
        <div ref={imageRef} className="job-view__image">
          <JobImage job={job} heatmap={heatmap} onHeatmapChange={setHeatmap} />
          <JobDenoisedView job={job} />
          <JobFrameStrip job={job} />
          <JobDownloads job={job} />
        </div>

        <div className="job-view__side">
          <section className="card job-view__stats" aria-label="Progress">
            <p className="big-figure" data-testid="job-progress">
              {job.unitsDone} / {job.unitsTotal} units
            </p>
            <ProgressBar fraction={fraction} label="Job progress" />
            <dl className="details-list">
              <div>
                <dt>{done ? 'Took' : 'Time left'}</dt>
                <dd data-testid="job-eta" data-eta={eta.kind}>
                  {done ? (job.startedAt ? formatDuration(elapsedMs) : '—') : formatEta(eta)}
                  {!done && eta.kind === 'remaining' && eta.basis === 'lifetime' ? (
                    <span className="muted"> (from the average so far)</span>
                  ) : null}
                </dd>
              </div>
              <div>
                <dt>Pixel-samples</dt>
                <dd>
                  {formatSi(job.pixelSamplesDone)} of {formatSi(job.pixelSamplesTotal)}
                </dd>
              </div>
              <div>
                <dt>Throughput</dt>
                <dd data-testid="job-throughput">
                  {done
                    ? `${formatRate(series?.average)} on average`
                    : eta.kind === 'waiting'
                      ? formatRate(0)
                      : `${formatRate(series?.current)} now`}
                </dd>
              </div>
              <div>
                <dt>{done ? 'Rendered' : 'Running for'}</dt>
                <dd>
                  {job.startedAt
                    ? done
                      ? `${new Date(job.startedAt).toLocaleTimeString()} – ${job.completedAt ? new Date(job.completedAt).toLocaleTimeString() : '…'}`
                      : formatDuration(elapsedMs)
                    : job.status === 'awaiting-deposit'
                      ? 'waiting for the deposit'
                      : 'waiting for a contributor'}
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
            {localOk ? (
              <p className="hint job-view__local">
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
      </div>

      <ThroughputChart series={series} done={done} />

      {job.payment ? <JobPaymentPanel job={job} payment={job.payment} onJob={onJob} /> : null}

      <JobVerificationPanel
        job={job}
        onShowTiles={() => {
          setHeatmap(true);
          imageRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
        }}
      />
    </div>
  );
}

/** What is happening, in one sentence, and what to do about it. */
function JobHeadline({ job, eta }: { job: JobView; eta: JobEta }) {
  const share = job.pixelSamplesTotal > 0 ? job.pixelSamplesDone / job.pixelSamplesTotal : 0;
  const contribute = (
    <Link
      className="button button--primary"
      href="/contribute"
      target="_blank"
      data-testid="headline-contribute"
    >
      Open Contribute in a new tab
    </Link>
  );
  let tone: 'ok' | 'busy' | 'wait' = 'busy';
  let title: string;
  let detail: ReactNode;
  let action: ReactNode = null;
  if (job.status === 'done') {
    tone = 'ok';
    title = 'Done: your image is ready';
    detail = `Every pixel has its ${finalSamplesPerPixel(job.spec)} samples, each unit checked by another contributor before it counted.`;
    // To the downloads, which say what each file is for (one "Download PNG" link on the page is enough).
    action = (
      <a className="button button--primary" href="#downloads" data-testid="headline-downloads">
        Get your image
      </a>
    );
  } else if (job.status === 'awaiting-deposit') {
    tone = 'wait';
    title = 'Waiting for the deposit';
    detail = 'Contributors start once the escrow holds this job’s deposit: see Payment below.';
  } else if (eta.kind === 'waiting') {
    tone = 'wait';
    if (eta.reason === 'checks') {
      title = 'Waiting for checks';
      detail =
        'Rendered units count once another contributor’s spot checks agree with them. A second contributor gets them going.';
    } else {
      title = job.pixelSamplesDone > 0 ? 'Paused: waiting for contributors' : 'Waiting for contributors';
      detail =
        'Nobody is rendering this job right now. It starts as soon as someone opens Contribute, and that can be you, in another tab.';
    }
    action = contribute;
  } else {
    title = `Rendering: ${formatPercent(share)} done`;
    detail = (
      <>
        {eta.kind === 'remaining' ? formatEta(eta) : 'working out how long it takes…'}. The preview sharpens
        as results arrive; more contributors make it faster.
      </>
    );
  }
  return (
    <section className={`headline headline--${tone}`} data-testid="job-headline">
      <div className="headline__text">
        <p className="headline__title">{title}</p>
        <p className="headline__detail">{detail}</p>
      </div>
      {action ? <div className="headline__action">{action}</div> : null}
    </section>
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
