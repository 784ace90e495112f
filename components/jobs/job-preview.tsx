'use client';

import { useEffect, useRef, useState } from 'react';
import type { TileProgress } from '../../lib/core/api-types';

/** The preview is drawn at most this many CSS pixels on its longer side, scaled up without smoothing. */
const DISPLAY_MAX = 512;

function imageSrc(jobId: string, version: number) {
  return `/api/jobs/${encodeURIComponent(jobId)}/image.png?v=${version}`;
}

/**
 * The job's converging image with a per-tile progress overlay. A new version is preloaded off-screen and
 * swapped in once it has loaded, so the picture never flashes empty; while one load is in flight, newer
 * versions wait and only the latest is fetched next.
 */
export function JobPreview({
  jobId,
  version,
  width,
  height,
  samplesPerPixel,
  tiles,
  done,
}: {
  jobId: string;
  version: number;
  width: number;
  height: number;
  samplesPerPixel: number;
  tiles: TileProgress[];
  done: boolean;
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
    <figure className="preview" style={{ width: `${displayWidth}px`, aspectRatio: `${width} / ${height}` }}>
      {/* biome-ignore lint/performance/noImgElement: a live PNG from the coordinator, versioned by query string */}
      <img
        className="preview__image pixelated"
        data-testid="job-preview"
        src={shown.src}
        alt={`Render preview, version ${shown.version}`}
        width={width}
        height={height}
      />
      <div className={`tiles ${done ? 'tiles--done' : ''}`} data-testid="tile-overlay">
        {tiles.map((tile) => {
          const fraction = Math.min(1, tile.samplesDone / samplesPerPixel);
          return (
            <div
              key={tile.index}
              className="tiles__tile"
              title={`tile ${tile.index}: ${tile.samplesDone} / ${samplesPerPixel} samples`}
              style={{
                left: `${(tile.x / width) * 100}%`,
                top: `${(tile.y / height) * 100}%`,
                width: `${(tile.width / width) * 100}%`,
                height: `${(tile.height / height) * 100}%`,
                // Unrendered work is veiled; the veil lifts as the tile's samples arrive.
                backgroundColor: `rgba(8, 10, 16, ${(1 - fraction) * 0.55})`,
              }}
            />
          );
        })}
      </div>
    </figure>
  );
}
