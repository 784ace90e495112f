'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import { formatDuration, formatRate, formatSi } from '../../lib/client/format';
import { ENVIRONMENT_LABELS } from '../../lib/dashboard/environment-presets';
import type { LocalRenderParams } from '../../lib/dashboard/local-render-params';
import { encodePfm } from '../../lib/render/pfm';
import { ProgressBar } from '../ui/progress-bar';
import { StatusBadge } from '../ui/status-badge';
import { drawAccumulation, useLocalRender } from './use-local-render';

const DISPLAY_MAX = 512;

/**
 * Renders the whole image as one task in this browser's render worker: the same shader and the same task
 * shape as a contributor's, so its output is the reference a farm render can be compared with.
 */
export function LocalRender({ params }: { params: LocalRenderParams }) {
  /** Bumped by "Render again" (a warm run: the shader is compiled already). */
  const [run, setRun] = useState(0);
  const [exposure, setExposure] = useState(1.6);
  const request = useMemo(() => ({ params }), [params]);
  const { phase, adapter, gpuReadyMs, canRetry } = useLocalRender(request, run);
  const canvas = useRef<HTMLCanvasElement>(null);
  const { width, height, spp } = params;

  // The finished image, with the size it was rendered at (the params may have moved on since).
  const image = phase.kind === 'done' ? phase : null;
  useEffect(() => {
    if (image && canvas.current) {
      drawAccumulation(canvas.current, image.sums, image.params.width, image.params.height, exposure);
    }
  }, [image, exposure]);

  const [pfmUrl, setPfmUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!image) return;
    const pfm = encodePfm(image.sums, image.params.width, image.params.height);
    const url = URL.createObjectURL(new Blob([pfm], { type: 'image/x-portable-floatmap' }));
    setPfmUrl(url);
    return () => {
      URL.revokeObjectURL(url);
      setPfmUrl(null);
    };
  }, [image]);

  const statusText =
    phase.kind === 'error' ? `error: ${phase.message}` : phase.kind === 'done' ? 'done' : 'rendering';
  const pixelSamples = width * height * spp;
  const scale = DISPLAY_MAX / Math.max(width, height);

  return (
    <div className="local-render">
      <figure
        className="preview"
        style={{ width: `${Math.round(width * scale)}px`, aspectRatio: `${width} / ${height}` }}
      >
        <canvas
          ref={canvas}
          className="preview__image pixelated"
          width={width}
          height={height}
          data-testid="local-render-canvas"
          aria-label={`Path-traced ${params.scene} scene, ${width}×${height}, ${spp} samples per pixel`}
          role="img"
        />
        {phase.kind !== 'done' ? (
          <div className="preview__veil">
            {phase.kind === 'rendering' ? <span className="spinner" aria-hidden="true" /> : null}
          </div>
        ) : null}
      </figure>

      <section className="card local-render__stats" aria-label="Render status">
        <p className="local-render__status">
          <span className="muted">Status</span>{' '}
          <StatusBadge
            status={statusText}
            tone={phase.kind === 'error' ? 'error' : phase.kind === 'done' ? 'ok' : 'busy'}
            testId="local-render-status"
          />
        </p>
        {phase.kind === 'rendering' ? (
          <>
            <p className="muted" aria-live="polite">
              {phase.step === 'tracing'
                ? `Tracing paths: ${phase.samplesDone} / ${spp} samples per pixel`
                : 'Starting WebGPU and compiling the path tracer (first time only)…'}
            </p>
            <ProgressBar fraction={phase.samplesDone / spp} label="Samples rendered" />
          </>
        ) : null}
        {phase.kind === 'error' ? (
          <p className="notice notice--error" role="alert">
            {phase.message}
          </p>
        ) : null}

        <dl className="details-list">
          <div>
            <dt>Work</dt>
            <dd>
              {width}×{height} px × {spp} spp = {formatSi(pixelSamples)} pixel-samples, {params.maxBounces}{' '}
              bounces, seed {params.seed}, {ENVIRONMENT_LABELS[params.env].toLowerCase()} environment
            </dd>
          </div>
          {phase.kind === 'done' ? (
            <>
              <div>
                <dt>Time</dt>
                <dd data-testid="local-render-time">
                  {formatDuration(phase.renderMs)}{' '}
                  <span className="muted">
                    ({phase.dispatches} {phase.dispatches === 1 ? 'dispatch' : 'dispatches'}, GPU{' '}
                    {formatDuration(phase.gpuMs)})
                  </span>
                </dd>
              </div>
              <div>
                <dt>Speed</dt>
                <dd data-testid="local-render-speed">{formatRate(pixelSamples / (phase.renderMs / 1000))}</dd>
              </div>
            </>
          ) : null}
          {gpuReadyMs !== null ? (
            <div>
              <dt>GPU ready in</dt>
              <dd>
                {formatDuration(gpuReadyMs)}{' '}
                <span className="muted">(device and shader compile, not counted above)</span>
              </dd>
            </div>
          ) : null}
          {adapter ? (
            <div>
              <dt>Adapter</dt>
              <dd>
                {[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' · ')}
                {adapter.isFallback ? <span className="muted"> (software, slow)</span> : null}
              </dd>
            </div>
          ) : null}
        </dl>

        {phase.kind === 'done' ? (
          <div className="local-render__after">
            <label className="exposure" htmlFor="exposure">
              <span>Exposure {exposure.toFixed(1)}</span>
              <input
                id="exposure"
                type="range"
                min={0.2}
                max={6}
                step={0.1}
                value={exposure}
                onChange={(event) => setExposure(Number(event.target.value))}
              />
            </label>
            <div className="button-row">
              {pfmUrl ? (
                <a className="button button--secondary" href={pfmUrl} download="local-render.pfm">
                  Download PFM
                </a>
              ) : null}
              <button type="button" className="button button--ghost" onClick={() => setRun((n) => n + 1)}>
                Render again
              </button>
            </div>
          </div>
        ) : null}
        {phase.kind === 'error' && canRetry ? (
          <button type="button" className="button button--ghost" onClick={() => setRun((n) => n + 1)}>
            Try again
          </button>
        ) : null}
      </section>
    </div>
  );
}
