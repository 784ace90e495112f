'use client';

import Link from 'next/link';
import { useEffect, useRef } from 'react';
import { describeSnapshot, type TileSnapshot } from '../../lib/contributor/tile-snapshot';
import { useContributor } from './contributor-provider';

/**
 * The tile this tab rendered last, as the requestor will see it (tone-mapped), with the job and the place of
 * the tile in the image. A unit is a few samples per pixel, so it looks noisy: the job's image averages
 * every contributor's units.
 */
export function TileView() {
  const tile = useContributor((s) => s.lastTile);
  const rendering = useContributor((s) => s.activity === 'rendering');
  return (
    <figure className="tile-view" aria-labelledby="tile-view-caption">
      <div className="tile-view__frame">
        {tile ? (
          <TileCanvas tile={tile} />
        ) : (
          <div className="tile-view__empty">
            <span>The tile this tab renders appears here.</span>
          </div>
        )}
        {rendering ? (
          // The activity line says it in words; this is only the picture's cue.
          <span className="tile-view__busy" aria-hidden="true">
            <span className="spinner spinner--small" />
          </span>
        ) : null}
      </div>
      <figcaption id="tile-view-caption" className="tile-view__caption">
        {tile ? (
          <>
            <span className="tile-view__title">Last rendered</span>
            <span data-testid="tile-view-caption">{describeSnapshot(tile)}</span>
            <span className="tile-view__where">
              <TileMap tile={tile} />
              <span>
                its place in the {tile.imageWidth}×{tile.imageHeight} image
              </span>
            </span>
            <Link href={`/jobs/${tile.jobId}`} className="small">
              See the whole job
            </Link>
          </>
        ) : (
          <span className="muted">Nothing rendered yet.</span>
        )}
      </figcaption>
    </figure>
  );
}

function TileCanvas({ tile }: { tile: TileSnapshot }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { width, height } = tile.region;
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    context.putImageData(new ImageData(tile.rgba, width, height), 0, 0);
  }, [tile, width, height]);
  return (
    <canvas
      ref={canvas}
      className="tile-view__canvas pixelated"
      width={width}
      height={height}
      data-testid="tile-view"
      data-job={tile.jobId}
      data-unit={tile.unitId}
      role="img"
      aria-label={`Rendered tile: ${describeSnapshot(tile)}`}
    />
  );
}

/** Where the tile lies in the job's image, drawn to scale. */
function TileMap({ tile }: { tile: TileSnapshot }) {
  const { region, imageWidth, imageHeight } = tile;
  const pct = (n: number, of: number) => `${(n / of) * 100}%`;
  return (
    <span className="tile-map" style={{ aspectRatio: `${imageWidth} / ${imageHeight}` }} aria-hidden="true">
      <span
        className="tile-map__tile"
        style={{
          left: pct(region.x, imageWidth),
          top: pct(region.y, imageHeight),
          width: pct(region.width, imageWidth),
          height: pct(region.height, imageHeight),
        }}
      />
    </span>
  );
}
