'use client';

import { type CSSProperties, type KeyboardEvent, useId, useMemo, useRef, useState } from 'react';
import { formatPercent } from '../../lib/client/format';
import {
  moveInGrid,
  type TileVerification,
  tileColumns,
  tileVerification,
} from '../../lib/dashboard/verification-view';
import type { JobView, TileProgress } from '../../lib/protocol/api-types';
import { finalSamplesPerPixel } from '../../lib/protocol/tiles';
import { JobPreview } from './job-preview';

/** Beyond this many tiles only the ones that stand out are drawn: thousands of cells help nobody. */
const MAX_CELLS = 4096;

/** Flagged tiles named in the text summary before "and N more". */
const LISTED_FLAGS = 12;

/**
 * The job's image and what lies on it: by default a light veil over tiles still missing samples; toggled,
 * the tile heatmap: one cell per tile over the dimmed image, its green intensity the tile's share of
 * samples, with a marker and stripes where checks passed (✓), failed (!) or a unit was rejected (↻). A
 * cell is a button: tapping, hovering or focusing it spells out its figures; arrow keys move between cells.
 */
export function JobImage({
  job,
  heatmap,
  onHeatmapChange,
}: {
  job: JobView;
  heatmap: boolean;
  onHeatmapChange: (on: boolean) => void;
}) {
  const id = useId();
  const { spec } = job;
  const done = job.status === 'done';
  const samplesPerPixel = finalSamplesPerPixel(spec);
  const rows = useMemo(
    () =>
      [...job.tiles]
        .sort((a, b) => a.index - b.index)
        .map((t) => ({ tile: t, v: tileVerification(t, samplesPerPixel) })),
    [job.tiles, samplesPerPixel],
  );
  const [selected, setSelected] = useState<number | null>(null);
  const [hovered, setHovered] = useState<number | null>(null);
  const [focusIndex, setFocusIndex] = useState(0);
  const cells = useRef(new Map<number, HTMLButtonElement>());
  const columns = tileColumns(spec.width, spec.tileSize);
  const flagged = rows.filter((r) => r.v.flagged);
  const drawAll = rows.length <= MAX_CELLS;
  const drawn = drawAll ? rows : flagged;
  const shownIndex = hovered ?? selected;
  const shown = shownIndex !== null ? rows[shownIndex]?.v : undefined;
  const checked = rows.reduce((n, r) => n + (r.v.checked > 0 ? 1 : 0), 0);
  const passed = rows.reduce((n, r) => n + r.v.passed, 0);
  const sampleShare = job.pixelSamplesTotal > 0 ? job.pixelSamplesDone / job.pixelSamplesTotal : 0;
  const focusable = Math.min(focusIndex, Math.max(0, rows.length - 1));

  function onKeyDown(event: KeyboardEvent<HTMLFieldSetElement>) {
    if (!drawAll) return;
    const next = moveInGrid(focusable, event.key, columns, rows.length);
    if (next === focusable) return;
    event.preventDefault();
    setFocusIndex(next);
    setSelected(next);
    cells.current.get(next)?.focus();
  }

  const overlay = heatmap ? (
    <fieldset
      className="heatmap"
      aria-label="Tile heatmap: samples and checks by tile"
      aria-describedby={`${id}-legend`}
      onKeyDown={onKeyDown}
      onMouseLeave={() => setHovered(null)}
      data-testid="tile-heatmap"
    >
      {drawn.map(({ tile, v }, position) => {
        const at = drawAll ? position : v.index;
        return (
          <button
            key={tile.index}
            ref={(el) => {
              if (el) cells.current.set(at, el);
              else cells.current.delete(at);
            }}
            type="button"
            className={cellClass(v, at === selected)}
            data-testid="tile-verification"
            data-tile-index={tile.index}
            data-samples-done={tile.samplesDone}
            data-checks-passed={v.passed}
            data-checks-failed={v.failed}
            data-units-rejected={v.reissued}
            data-flagged={v.flagged || undefined}
            title={v.description}
            aria-label={v.description}
            aria-pressed={at === selected}
            tabIndex={drawAll ? (at === focusable ? 0 : -1) : 0}
            onClick={() => {
              setFocusIndex(at);
              setSelected((s) => (s === at ? null : at));
            }}
            onFocus={() => setFocusIndex(at)}
            onMouseEnter={() => setHovered(at)}
            style={{ ...placeOf(tile, spec.width, spec.height), '--fill': heat(v.fraction) } as CSSProperties}
          >
            {v.mark ? (
              <span className="tile-report__mark" aria-hidden="true">
                {v.mark}
                <span className="tile-report__count">{compactCount(v)}</span>
              </span>
            ) : null}
          </button>
        );
      })}
    </fieldset>
  ) : (
    <TileVeil
      tiles={job.tiles}
      width={spec.width}
      height={spec.height}
      samplesPerPixel={samplesPerPixel}
      done={done}
    />
  );

  return (
    <section className="job-image" aria-labelledby={`${id}-title`}>
      <div className="job-image__bar">
        <h2 id={`${id}-title`} className="job-image__title">
          {done ? 'Final image' : 'Live preview'}
          <span className="muted small job-image__sub">
            {done
              ? ` · ${spec.width}×${spec.height}, ${samplesPerPixel} samples per pixel`
              : ` · ${formatPercent(sampleShare)} of samples · sharpens as results arrive`}
          </span>
        </h2>
        <button
          type="button"
          className="toggle"
          aria-pressed={heatmap}
          aria-controls={`${id}-key`}
          onClick={() => onHeatmapChange(!heatmap)}
          data-testid="heatmap-toggle"
        >
          <span className="toggle__track" aria-hidden="true">
            <span className="toggle__thumb" />
          </span>
          Tile heatmap
        </button>
      </div>

      <JobPreview
        jobId={job.id}
        version={job.version}
        width={spec.width}
        height={spec.height}
        dimmed={heatmap}
        overlay={overlay}
      />

      <div id={`${id}-key`} className="job-image__key">
        {heatmap ? (
          <>
            <ul
              className="tile-report__legend heatmap-legend"
              id={`${id}-legend`}
              data-testid="heatmap-legend"
            >
              <li>
                <span className="heatmap-legend__ramp" aria-hidden="true" />
                <span>samples per tile: dark 0 → bright {samplesPerPixel}</span>
              </li>
              <li>
                <span className="tile-report__swatch" aria-hidden="true">
                  ✓
                </span>{' '}
                checks passed
              </li>
              <li>
                <span className="tile-report__swatch tile-report__swatch--flag" aria-hidden="true">
                  !
                </span>{' '}
                a check failed
              </li>
              <li>
                <span className="tile-report__swatch tile-report__swatch--flag" aria-hidden="true">
                  ↻
                </span>{' '}
                unit rejected and re-issued
              </li>
            </ul>
            <p className="tile-report__detail" aria-live="polite" data-testid="tile-verification-detail">
              {shown ? shown.description : 'Tap, hover or focus a tile to see its samples and checks.'}
            </p>
            <p
              className={`tile-report__flags ${flagged.length > 0 ? 'warn-text' : 'muted'}`}
              data-testid="heatmap-summary"
            >
              {flagged.length > 0 ? (
                <>
                  <span aria-hidden="true">! </span>
                  {flagged.length} {flagged.length === 1 ? 'tile has' : 'tiles have'} a failed check or a
                  re-issued unit: {flaggedList(flagged.map((r) => r.v))}.
                </>
              ) : (
                `${checked} of ${rows.length} ${rows.length === 1 ? 'tile' : 'tiles'} checked so far (${passed} ${passed === 1 ? 'check' : 'checks'} passed); none failed.`
              )}
            </p>
            {!drawAll ? (
              <p className="hint">
                {rows.length.toLocaleString('en')} tiles are too many to draw: only the ones that stand out
                are shown.
              </p>
            ) : null}
          </>
        ) : (
          <p className="hint job-image__hint">
            {done
              ? 'Every tile has all its samples. The heatmap shows how each tile’s checks went.'
              : 'Darker tiles are still waiting for samples. Turn on the heatmap to see samples and checks tile by tile.'}
          </p>
        )}
      </div>
    </section>
  );
}

/** Image mode: unrendered work is veiled, and the veil lifts as each tile's samples arrive. */
function TileVeil({
  tiles,
  width,
  height,
  samplesPerPixel,
  done,
}: {
  tiles: TileProgress[];
  width: number;
  height: number;
  samplesPerPixel: number;
  done: boolean;
}) {
  return (
    <div className={`tiles ${done ? 'tiles--done' : ''}`} data-testid="tile-overlay" aria-hidden="true">
      {tiles.map((tile) => {
        const fraction = Math.min(1, tile.samplesDone / samplesPerPixel);
        return (
          <div
            key={tile.index}
            className="tiles__tile"
            title={`tile ${tile.index}: ${tile.samplesDone} / ${samplesPerPixel} samples`}
            style={{
              ...placeOf(tile, width, height),
              backgroundColor: `rgba(8, 10, 16, ${(1 - fraction) * 0.55})`,
            }}
          />
        );
      })}
    </div>
  );
}

function placeOf(tile: TileProgress, width: number, height: number): CSSProperties {
  return {
    left: `${(tile.x / width) * 100}%`,
    top: `${(tile.y / height) * 100}%`,
    width: `${(tile.width / width) * 100}%`,
    height: `${(tile.height / height) * 100}%`,
  };
}

/** The cell's green alpha: a faint tint for an empty tile up to a strong one for a complete tile. */
function heat(fraction: number): string {
  return (0.04 + 0.66 * fraction).toFixed(3);
}

function cellClass(v: TileVerification, selected: boolean): string {
  let name = 'tile-report__cell';
  if (v.flagged) name += ' tile-report__cell--flagged';
  else if (v.checked > 0) name += ' tile-report__cell--checked';
  if (v.fraction >= 1) name += ' tile-report__cell--complete';
  if (selected) name += ' tile-report__cell--selected';
  return name;
}

/** The figure beside a cell's marker, when the cell is big enough: re-issues, failed or passed checks. */
function compactCount(v: TileVerification): string {
  if (v.reissued > 0) return String(v.reissued);
  if (v.failed > 0) return String(v.failed);
  return v.passed > 0 ? String(v.passed) : '';
}

/** "tile 3 (1 failed), tile 9 (2 re-issued) and 4 more". */
export function flaggedList(flagged: TileVerification[]): string {
  const named = flagged.slice(0, LISTED_FLAGS).map((v) => {
    const what = [
      v.failed > 0 ? `${v.failed} failed` : null,
      v.reissued > 0 ? `${v.reissued} re-issued` : null,
    ].filter(Boolean);
    return `tile ${v.index} (${what.join(', ')})`;
  });
  const more = flagged.length - named.length;
  return more > 0 ? `${named.join(', ')} and ${more} more` : named.join(', ');
}
