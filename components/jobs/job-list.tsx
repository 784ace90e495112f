'use client';

import Link from 'next/link';
import { type ReactNode, useState } from 'react';
import { isAbortError, listJobsAndMine } from '../../lib/client/api';
import { formatSi } from '../../lib/client/format';
import { estimateEta, formatEta } from '../../lib/dashboard/job-progress';
import { isFinalStatus, type JobView } from '../../lib/protocol/api-types';
import { ProgressBar } from '../ui/progress-bar';
import { StatusBadge } from '../ui/status-badge';
import { useNow } from '../ui/use-now';
import { useJobHistory, useRecordJob } from './job-history';
import { JobOwnerControls } from './job-owner-controls';
import { NotifyButton } from './notify-button';
import { useOwnerToken } from './use-owner';
import { usePolling } from './use-polling';
import { shortHash, useSceneList } from './use-scene-list';

/** The thumbnail is 64 CSS pixels: a preview of twice that, for high-density screens. */
const THUMB_SIZE = 128;

export function JobList() {
  const [jobs, setJobs] = useState<JobView[] | null>(null);
  const [mine, setMine] = useState<JobView[]>([]);
  const [error, setError] = useState<string | null>(null);
  // Names for the rows; a scene the list does not hold (yet) is shown by its short hash.
  const { find } = useSceneList();
  const record = useRecordJob();
  const ownerToken = useOwnerToken();

  usePolling(async (signal) => {
    try {
      const next = await listJobsAndMine({ signal, ownerToken });
      // Each poll is an observation of every job's speed, for the rows' ETA.
      for (const job of [...next.mine, ...next.jobs]) record(job);
      setMine(next.mine);
      setJobs(next.jobs);
      setError(null);
    } catch (cause) {
      if (isAbortError(cause)) return;
      setError(cause instanceof Error ? cause.message : String(cause));
    }
  }, 2000);

  const mineIds = new Set(mine.map((j) => j.id));
  const others = jobs?.filter((job) => !mineIds.has(job.id)) ?? null;
  const replace = (changed: JobView) =>
    setMine((list) => list.map((job) => (job.id === changed.id ? { ...job, ...changed, tiles: [] } : job)));

  return (
    <>
      {mine.length > 0 ? (
        <section className="job-list" aria-labelledby="my-jobs-title" data-testid="my-jobs">
          <div className="section-head">
            <h2 id="my-jobs-title">My jobs</h2>
            <span className="muted small">
              made in this browser · <NotifyButton />
            </span>
          </div>
          <ul className="job-rows">
            {mine.map((job) => (
              <JobRow key={job.id} job={job} sceneName={find(job.spec.sceneHash)?.name ?? null}>
                <JobOwnerControls job={job} owned onChanged={replace} />
              </JobRow>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="job-list" aria-labelledby="job-list-title">
        <div className="section-head">
          <h2 id="job-list-title">{mine.length > 0 ? 'Other jobs' : 'Jobs'}</h2>
          <span className="muted small">newest first · updates every 2 s</span>
        </div>
        {error ? (
          <p className="notice notice--error" role="alert">
            Could not load the jobs: <span className="pre-line">{error}</span>
          </p>
        ) : null}
        {others === null && !error ? <p className="muted">Loading jobs…</p> : null}
        {others?.length === 0 && mine.length === 0 ? (
          <p className="empty">
            No jobs yet. Create one above, then open Contribute in another tab to render it.
          </p>
        ) : null}
        {others && others.length > 0 ? (
          <ul className="job-rows">
            {others.map((job) => (
              <JobRow key={job.id} job={job} sceneName={find(job.spec.sceneHash)?.name ?? null} />
            ))}
          </ul>
        ) : null}
      </section>
    </>
  );
}

function JobRow({
  job,
  sceneName,
  children,
}: {
  job: JobView;
  sceneName: string | null;
  /** The owner's controls, outside the row's link. */
  children?: ReactNode;
}) {
  const history = useJobHistory(job.id);
  const now = useNow(isFinalStatus(job.status) ? null : 1000);
  const fraction = job.unitsTotal > 0 ? job.unitsDone / job.unitsTotal : 0;
  const eta = estimateEta(job, history, now);
  return (
    <li className="job-row" data-testid="job-row" data-job-id={job.id}>
      <Link href={`/jobs/${encodeURIComponent(job.id)}`} className="job-row__link">
        {/* A preview averaged down from the tiles: a list of 4096² jobs must not build each full image. */}
        {/* biome-ignore lint/performance/noImgElement: a live server-rendered PNG; next/image would cache it */}
        <img
          className="job-row__thumb pixelated"
          src={`/api/jobs/${encodeURIComponent(job.id)}/image.png?maxSize=${THUMB_SIZE}&v=${job.version}`}
          alt=""
          width={job.spec.width}
          height={job.spec.height}
          loading="lazy"
        />
        <span className="job-row__main">
          <span className="job-row__title">
            <span className="mono">{job.id.slice(0, 8)}</span>
            <StatusBadge status={job.status} />
            {job.private ? <span className="muted small">private</span> : null}
            <span className="job-row__name">{sceneName ?? shortHash(job.spec.sceneHash)}</span>
          </span>
          <span className="job-row__meta muted">
            {job.spec.width}×{job.spec.height} · {job.spec.samplesPerPixel} spp ·{' '}
            {new Date(job.createdAt).toLocaleString()}
          </span>
          <ProgressBar fraction={fraction} label={`Job ${job.id} progress`} />
          <span className="job-row__units small">
            <span className="muted">
              {job.unitsDone} / {job.unitsTotal} units · {formatSi(job.pixelSamplesDone)} of{' '}
              {formatSi(job.pixelSamplesTotal)} pixel-samples
            </span>
            <span
              className={`job-row__eta job-row__eta--${eta.kind}`}
              data-testid="job-row-eta"
              data-eta={eta.kind}
            >
              {formatEta(eta)}
            </span>
          </span>
        </span>
      </Link>
      {children}
    </li>
  );
}
