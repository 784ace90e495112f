'use client';

import { type CSSProperties, type KeyboardEvent, useId, useMemo, useRef, useState } from 'react';
import { formatShare, formatSi } from '../../lib/client/format';
import {
  formatConfidence,
  moveInGrid,
  type TileVerification,
  tileColumns,
  tileVerification,
} from '../../lib/client/verification-view';
import type { JobView, TileProgress } from '../../lib/core/api-types';
import { finalSamplesPerPixel } from '../../lib/core/tiling';

/** The report is drawn at most this many CSS pixels on its longer side. */
const DISPLAY_MAX = 360;

/** Beyond this many tiles only the ones that stand out are drawn: thousands of cells help nobody. */
const MAX_CELLS = 4096;

/** Flagged tiles named in the text summary before "and N more". */
const LISTED_FLAGS = 12;

/** A job's spot checks: what waits, what was rejected, what the checks cost, and a map of them by tile. */
export function JobVerificationPanel({ job }: { job: JobView }) {
  const id = useId();
  const v = job.verification;
  return (
    <section className="card verification" aria-labelledby={`${id}-title`}>
      <div className="section-head">
        <h2 id={`${id}-title`}>Verification</h2>
        <span className="muted small">
          {formatConfidence(v.confidence)} confidence · {v.pixelsPerCheck.toLocaleString('en')}{' '}
          {v.pixelsPerCheck === 1 ? 'pixel' : 'pixels'} per check
          {v.redundancy === 'independent-seeds' ? ' · independent replica of every unit' : ''}
        </span>
      </div>
      <p className="hint verification__intro">
        Other contributors re-render a random scattered set of each unit’s pixels with the same seeds; a unit
        counts only once its checks agree, and one that fails is rendered again by someone else.
      </p>
      <dl className="figures verification__summary" data-testid="verification-summary">
        <div className="figure">
          <dt>Awaiting checks</dt>
          <dd className="figure__value" data-testid="units-verifying">
            {v.unitsVerifying.toLocaleString('en')}
            <span className="figure__unit">{v.unitsVerifying === 1 ? 'unit' : 'units'}</span>
          </dd>
        </div>
        <div className={`figure ${v.unitsRejected > 0 ? 'figure--warn' : ''}`}>
          <dt>Rejected and re-issued</dt>
          <dd className="figure__value" data-testid="units-rejected">
            {v.unitsRejected > 0 ? (
              <span className="verification__mark" aria-hidden="true">
                ↻{' '}
              </span>
            ) : null}
            {v.unitsRejected.toLocaleString('en')}
            <span className="figure__unit">{v.unitsRejected === 1 ? 'unit' : 'units'}</span>
          </dd>
        </div>
        <div className="figure">
          <dt>Check overhead</dt>
          <dd className="figure__value" data-testid="check-overhead">
            {formatShare(v.overhead)}
            <span className="figure__unit">{formatSi(v.checkPixelSamples)} px-samples of checks</span>
          </dd>
        </div>
      </dl>
      <TileReport
        tiles={job.tiles}
        width={job.spec.width}
        height={job.spec.height}
        tileSize={job.spec.tileSize}
        samplesPerPixel={finalSamplesPerPixel(job.spec)}
      />
    </section>
  );
}

/**
 * One cell per tile, laid out like the image: the fill grows with the tile's samples, a striped warning
 * fill and a marker (↻ re-issued, ! failed check) set apart tiles whose checks went wrong. A cell is a
 * button: tapping or focusing it spells out its figures below; arrow keys move between cells.
 */
function TileReport({
  tiles,
  width,
  height,
  tileSize,
  samplesPerPixel,
}: {
  tiles: TileProgress[];
  width: number;
  height: number;
  tileSize: number;
  samplesPerPixel: number;
}) {
  const id = useId();
  const rows = useMemo(
    () =>
      [...tiles]
        .sort((a, b) => a.index - b.index)
        .map((t) => ({ tile: t, v: tileVerification(t, samplesPerPixel) })),
    [tiles, samplesPerPixel],
  );
  const [selected, setSelected] = useState<number | null>(null);
  const [hovered, setHovered] = useState<number | null>(null);
  const [focusIndex, setFocusIndex] = useState(0);
  const cells = useRef(new Map<number, HTMLButtonElement>());
  const columns = tileColumns(width, tileSize);
  const flagged = rows.filter((r) => r.v.flagged);
  const drawAll = rows.length <= MAX_CELLS;
  const drawn = drawAll ? rows : flagged;
  const shownIndex = hovered ?? selected;
  const shown = shownIndex !== null ? rows[shownIndex]?.v : undefined;
  const checked = rows.reduce((n, r) => n + (r.v.checked > 0 ? 1 : 0), 0);

  const scale = DISPLAY_MAX / Math.max(width, height);
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

  return (
    <div className="tile-report">
      <fieldset
        className="tile-report__fieldset"
        aria-label="Verification by tile"
        aria-describedby={`${id}-legend`}
        onKeyDown={onKeyDown}
        onMouseLeave={() => setHovered(null)}
      >
        <div
          className="tile-report__grid"
          style={{ width: `${Math.round(width * scale)}px`, aspectRatio: `${width} / ${height}` }}
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
                style={
                  {
                    left: `${(tile.x / width) * 100}%`,
                    top: `${(tile.y / height) * 100}%`,
                    width: `${(tile.width / width) * 100}%`,
                    height: `${(tile.height / height) * 100}%`,
                    '--fill': (0.06 + 0.54 * v.fraction).toFixed(3),
                  } as CSSProperties
                }
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
        </div>
      </fieldset>

      <div className="tile-report__side">
        <p className="tile-report__detail" aria-live="polite" data-testid="tile-verification-detail">
          {shown ? shown.description : 'Tap or hover a tile to see its checks.'}
        </p>
        <p className={`tile-report__flags ${flagged.length > 0 ? 'warn-text' : 'muted'}`}>
          {flagged.length > 0 ? (
            <>
              <span aria-hidden="true">! </span>
              {flagged.length} {flagged.length === 1 ? 'tile has' : 'tiles have'} a failed check or a
              re-issued unit: {flaggedList(flagged.map((r) => r.v))}.
            </>
          ) : (
            `${checked} of ${rows.length} ${rows.length === 1 ? 'tile' : 'tiles'} checked so far; none failed.`
          )}
        </p>
        {!drawAll ? (
          <p className="hint">
            {rows.length.toLocaleString('en')} tiles are too many to draw: only the ones that stand out are
            shown.
          </p>
        ) : null}
        <ul className="tile-report__legend" id={`${id}-legend`}>
          <li>
            <span className="tile-report__swatch tile-report__swatch--progress" aria-hidden="true" /> fill:
            samples rendered
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
      </div>
    </div>
  );
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

function flaggedList(flagged: TileVerification[]): string {
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
