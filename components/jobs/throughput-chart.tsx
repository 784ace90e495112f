'use client';

import { type RefObject, useEffect, useId, useRef, useState } from 'react';
import { formatRate, formatSi } from '../../lib/client/format';
import {
  formatElapsed,
  niceTicks,
  type RatePoint,
  type ThroughputSeries,
  timeTicks,
} from '../../lib/dashboard/job-progress';

const HEIGHT = 200;
const MARGIN = { top: 24, right: 14, bottom: 42, left: 52 };

/**
 * Pixel-samples per second over the job's life, as this tab saw it arrive (the stretch before the page was
 * opened is the average up to then, dashed). Hand-written SVG sized to its box; the caption says the same
 * in words for those who do not see the chart.
 */
export function ThroughputChart({ series, done }: { series: ThroughputSeries | null; done: boolean }) {
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const observed = series?.points.some((p) => p.observed) ?? false;
  const unobserved = series?.points.some((p) => !p.observed) ?? false;

  return (
    <section className="card throughput" aria-labelledby={`${id}-title`}>
      <div className="section-head">
        <h2 id={`${id}-title`}>Throughput</h2>
        <span className="muted small">pixel-samples per second, measured in this tab</span>
      </div>
      <figure className="throughput__figure">
        <div className="throughput__plot" ref={box}>
          {series && width > 0 ? (
            <Plot series={series} width={width} labelledBy={`${id}-summary`} />
          ) : (
            <div className="throughput__empty" style={{ height: HEIGHT }}>
              {series ? null : 'The chart starts with the first contributor’s work.'}
            </div>
          )}
        </div>
        <figcaption className="throughput__caption">
          <span id={`${id}-summary`} data-testid="throughput-summary">
            {describe(series, done)}
          </span>
          {series ? (
            <span className="throughput__legend" aria-hidden="true">
              {observed ? <span className="throughput__key throughput__key--live">seen live</span> : null}
              {unobserved ? (
                <span className="throughput__key throughput__key--unobserved">
                  before this page (average)
                </span>
              ) : null}
              <span className="throughput__key throughput__key--average">overall average</span>
            </span>
          ) : null}
        </figcaption>
      </figure>
    </section>
  );
}

function Plot({
  series,
  width,
  labelledBy,
}: {
  series: ThroughputSeries;
  width: number;
  labelledBy: string;
}) {
  const innerW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const span = Math.max(1, series.end - series.start);
  const yTicks = niceTicks(Math.max(series.peak, series.average ?? 0, 1), 3);
  const yMax = yTicks.at(-1) ?? 1;
  const xTicks = timeTicks(span, Math.max(2, Math.floor(innerW / 90)));
  const x = (t: number) => MARGIN.left + ((t - series.start) / span) * innerW;
  const y = (rate: number) => MARGIN.top + innerH - (rate / yMax) * innerH;

  const observed = series.points.filter((p) => p.observed);
  const unobserved = series.points.filter((p) => !p.observed);
  const line = (points: RatePoint[]) =>
    points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.rate).toFixed(1)}`).join(' ');
  const area = (points: RatePoint[]) => {
    const first = points[0];
    const last = points.at(-1);
    if (!first || !last) return '';
    const base = y(0).toFixed(1);
    return `${line(points)} L${x(last.t).toFixed(1)},${base} L${x(first.t).toFixed(1)},${base} Z`;
  };
  // The observed line starts where the unobserved stretch ends, so the two join up.
  const joined =
    unobserved.length > 0 && observed.length > 0 ? [unobserved.at(-1) as RatePoint, ...observed] : observed;

  return (
    <svg
      className="throughput__svg"
      width={width}
      height={HEIGHT}
      viewBox={`0 0 ${width} ${HEIGHT}`}
      role="img"
      aria-labelledby={labelledBy}
      data-testid="throughput-chart"
      data-points={series.points.length}
    >
      <title>Throughput over time</title>
      <g className="throughput__grid">
        {yTicks.map((v) => (
          <g key={`y${v}`}>
            <line x1={MARGIN.left} x2={MARGIN.left + innerW} y1={y(v)} y2={y(v)} />
            <text x={MARGIN.left - 8} y={y(v)} dy="0.32em" textAnchor="end">
              {formatSi(v)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text
            key={`x${t}`}
            x={x(series.start + t)}
            y={HEIGHT - 24}
            textAnchor={t === 0 ? 'start' : 'middle'}
          >
            {formatElapsed(t)}
          </text>
        ))}
        <text className="throughput__axis-title" x={4} y={10}>
          px-samples/s
        </text>
        <text
          className="throughput__axis-title"
          x={MARGIN.left + innerW / 2}
          y={HEIGHT - 4}
          textAnchor="middle"
        >
          time since the job started
        </text>
      </g>
      {unobserved.length > 0 ? (
        <path className="throughput__line throughput__line--unobserved" d={line(unobserved)} />
      ) : null}
      {joined.length > 0 ? (
        <>
          <path className="throughput__area" d={area(joined)} />
          <path className="throughput__line" d={line(joined)} />
        </>
      ) : null}
      {series.average !== null && series.average > 0 ? (
        <line
          className="throughput__average"
          x1={MARGIN.left}
          x2={MARGIN.left + innerW}
          y1={y(series.average)}
          y2={y(series.average)}
        />
      ) : null}
    </svg>
  );
}

/** The chart in words: now, peak and average, and over how long. */
function describe(series: ThroughputSeries | null, done: boolean): string {
  if (!series) return 'No pixel-samples yet: nobody has rendered this job so far.';
  const over = formatElapsed(series.end - series.start);
  const average = series.average !== null ? formatRate(series.average) : '—';
  const seen = series.points.some((p) => p.observed);
  if (done)
    return `Finished in ${over}: average ${average}${seen ? `, peak ${formatRate(series.peak)}` : ''}.`;
  return `Now ${formatRate(series.current)}, peak ${formatRate(series.peak)}, average ${average} over ${over}.`;
}

/** The element's content width, kept current with a ResizeObserver (0 before it is measured). */
function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(Math.floor(el.clientWidth));
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.floor(entry.contentRect.width));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
