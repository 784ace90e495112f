'use client';

import { useEffect, useState } from 'react';
import { formatPercent } from '../../lib/client/format';
import { frameProgress } from '../../lib/dashboard/frame-progress';
import type { JobView } from '../../lib/protocol/api-types';

const THUMB = 96;
const PLAYER = 512;

/**
 * An animation job's frames: one thumbnail per frame with its progress, a player that steps through the
 * frames at the job's fps, and the zip of every frame. Nothing for a still.
 */
export function JobFrameStrip({ job }: { job: JobView }) {
  const frames = frameProgress(job.spec, job.tiles);
  const start = job.spec.frames?.start ?? 0;
  const fps = job.spec.frames?.fps ?? 24;
  const [shown, setShown] = useState(start);
  const [playing, setPlaying] = useState(false);
  const count = frames.length;
  useEffect(() => {
    if (!playing || count === 0) return;
    const timer = setInterval(() => setShown((f) => start + ((f - start + 1) % count)), 1000 / fps);
    return () => clearInterval(timer);
  }, [playing, count, start, fps]);
  if (count === 0) return null;
  const base = `/api/jobs/${encodeURIComponent(job.id)}`;
  const frameImage = (frame: number, size: number) =>
    `${base}/frames/${frame}/image.png?maxSize=${size}&v=${job.version}`;
  return (
    <section className="card frame-strip" aria-labelledby="frame-strip-title" data-testid="job-frames">
      <h2 id="frame-strip-title">Frames</h2>
      {/* biome-ignore lint/performance/noImgElement: a streamed, versioned API image, not a static asset */}
      <img src={frameImage(shown, PLAYER)} alt={`Frame ${shown}`} className="frame-strip__player" />
      <p>
        <button type="button" className="button button--secondary" onClick={() => setPlaying((p) => !p)}>
          {playing ? 'Pause' : `Play at ${fps} fps`}
        </button>{' '}
        <a className="button button--secondary" href={`${base}/frames.zip`} download>
          Download every frame (zip)
        </a>
      </p>
      <ol className="frame-strip__list">
        {frames.map(({ frame, share, done }) => (
          <li key={frame} data-testid="job-frame" data-done={done}>
            <button type="button" onClick={() => setShown(frame)} aria-pressed={frame === shown}>
              {/* biome-ignore lint/performance/noImgElement: a streamed, versioned API image */}
              <img src={frameImage(frame, THUMB)} alt="" width={THUMB} loading="lazy" />
              <span>
                {frame}: {done ? 'done' : formatPercent(share)}
              </span>
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
