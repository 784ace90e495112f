'use client';

import { type ReactNode, useEffect, useRef, useState } from 'react';

/** The preview is drawn at most this many CSS pixels on its longer side, scaled up without smoothing. */
const DISPLAY_MAX = 512;

/**
 * The preview is asked for at twice the display size (sharp on a high-density screen), averaged down from
 * the tiles by the coordinator: a 4096 × 4096 job's page does not build its full image on every change. The
 * full image is in the downloads (job-downloads.tsx).
 */
const PREVIEW_MAX = 2 * DISPLAY_MAX;

function imageSrc(jobId: string, version: number) {
  return `/api/jobs/${encodeURIComponent(jobId)}/image.png?maxSize=${PREVIEW_MAX}&v=${version}`;
}

/**
 * The job's converging image, with an overlay laid over it (the tile veil or heatmap, tile-heatmap.tsx). A
 * new version is preloaded off-screen and swapped in once it has loaded, so the picture never flashes
 * empty; while one load is in flight, newer versions wait and only the latest is fetched next.
 */
export function JobPreview({
  jobId,
  version,
  width,
  height,
  dimmed = false,
  overlay,
}: {
  jobId: string;
  version: number;
  width: number;
  height: number;
  /** Darkens the picture so that an overlay's colours read over it. */
  dimmed?: boolean;
  overlay?: ReactNode;
}) {
  // The first picture is shown straight away; later ones are swapped in once loaded.
  const [shown, setShown] = useState(() => ({ version, src: imageSrc(jobId, version) }));
  const wanted = useRef(version);
  const loading = useRef(false);
  const shownVersion = useRef(version);
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  useEffect(() => {
    wanted.current = version;
    const pump = () => {
      if (loading.current || !alive.current) return;
      const next = wanted.current;
      if (next === shownVersion.current) return;
      loading.current = true;
      const src = imageSrc(jobId, next);
      const img = new Image();
      img.onload = () => {
        loading.current = false;
        if (!alive.current) return;
        shownVersion.current = next;
        setShown({ version: next, src });
        pump();
      };
      img.onerror = () => {
        // Keep the last good picture; the next version change tries again.
        loading.current = false;
      };
      img.src = src;
    };
    pump();
  }, [jobId, version]);

  const scale = DISPLAY_MAX / Math.max(width, height);
  const displayWidth = Math.round(width * scale);

  return (
    <figure
      className={`preview${dimmed ? ' preview--dimmed' : ''}`}
      style={{ width: `${displayWidth}px`, aspectRatio: `${width} / ${height}` }}
    >
      {/* biome-ignore lint/performance/noImgElement: a live PNG from the coordinator, versioned by query string */}
      <img
        className="preview__image pixelated"
        data-testid="job-preview"
        data-version={shown.version}
        src={shown.src}
        alt={`Render preview, version ${shown.version}`}
        width={width}
        height={height}
      />
      {overlay}
    </figure>
  );
}
