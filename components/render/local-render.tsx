'use client';

import * as Comlink from 'comlink';
import { useEffect, useRef, useState } from 'react';
import { formatDuration, formatRate, formatSi } from '../../lib/client/format';
import { type LocalRenderParams, localRenderTask } from '../../lib/client/local-render-params';
import { encodePfm } from '../../lib/core/pfm';
import { toneMapAccumulation } from '../../lib/core/tonemap';
import type { AdapterSummary } from '../../workers/render-worker-api';
import { ProgressBar } from '../ui/progress-bar';
import { StatusBadge } from '../ui/status-badge';
import { useRenderWorker } from '../worker/use-render-worker';

type Phase =
  | { kind: 'rendering'; step: 'starting' | 'gpu' | 'tracing'; samplesDone: number }
  | {
      kind: 'done';
      sums: Float32Array<ArrayBuffer>;
      renderMs: number;
      gpuMs: number;
      dispatches: number;
      pfmUrl: string;
    }
  | { kind: 'error'; message: string };

const DISPLAY_MAX = 512;

/**
 * Renders the whole image as one task in this browser's render worker: the same shader and the same task
 * shape as a contributor's, so its output is the reference a farm render can be compared with.
 */
export function LocalRender({ params }: { params: LocalRenderParams }) {
  const worker = useRenderWorker();
  const [phase, setPhase] = useState<Phase>({ kind: 'rendering', step: 'starting', samplesDone: 0 });
  const [adapter, setAdapter] = useState<AdapterSummary | null>(null);
  const [gpuReadyMs, setGpuReadyMs] = useState<number | null>(null);
  const [exposure, setExposure] = useState(1.6);
  /** Bumped by "Render again" (a warm run: the shader is compiled already). */
  const [run, setRun] = useState(0);
  const canvas = useRef<HTMLCanvasElement>(null);
  const { width, height, spp } = params;
  const key = JSON.stringify(params);

  useEffect(() => {
    if (worker.error) setPhase({ kind: 'error', message: worker.error });
  }, [worker.error]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `params`; `run` asks for a rerun
  useEffect(() => {
    const api = worker.api;
    if (!api) return;
    let cancelled = false;
    let pfmUrl: string | null = null;
    setPhase({ kind: 'rendering', step: 'gpu', samplesDone: 0 });
    (async () => {
      const probeStart = performance.now();
      const probe = await api.probe();
      if (cancelled) return;
      if (!probe.ok) {
        setPhase({ kind: 'error', message: `${probe.reason} ${probe.nextStep}` });
        return;
      }
      setAdapter(probe.adapter);
      setGpuReadyMs((ms) => ms ?? performance.now() - probeStart);
      setPhase({ kind: 'rendering', step: 'tracing', samplesDone: 0 });
      const onProgress = Comlink.proxy((samplesDone: number) => {
        if (!cancelled) setPhase({ kind: 'rendering', step: 'tracing', samplesDone });
      });
      const began = performance.now();
      const outcome = await api.render(localRenderTask(params), onProgress);
      const renderMs = performance.now() - began;
      if (cancelled) return;
      if (!outcome.ok) {
        setPhase({ kind: 'error', message: outcome.error });
        return;
      }
      const pfm = encodePfm(outcome.data, params.width, params.height);
      pfmUrl = URL.createObjectURL(new Blob([pfm], { type: 'image/x-portable-floatmap' }));
      setPhase({
        kind: 'done',
        sums: outcome.data,
        renderMs,
        gpuMs: outcome.gpuMs,
        dispatches: outcome.dispatches,
        pfmUrl,
      });
    })().catch((cause) => {
      if (!cancelled)
        setPhase({ kind: 'error', message: cause instanceof Error ? cause.message : String(cause) });
    });
    return () => {
      cancelled = true;
      if (pfmUrl) URL.revokeObjectURL(pfmUrl);
    };
  }, [worker.api, key, run]);

  const sums = phase.kind === 'done' ? phase.sums : null;
  useEffect(() => {
    const target = canvas.current;
    if (!sums || !target) return;
    const context = target.getContext('2d');
    if (!context) return;
    const rgba = toneMapAccumulation(sums, width * height, exposure);
    context.putImageData(new ImageData(rgba, width, height), 0, 0);
  }, [sums, width, height, exposure]);

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
              bounces, seed {params.seed}
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
              <a className="button button--secondary" href={phase.pfmUrl} download="local-render.pfm">
                Download PFM
              </a>
              <button type="button" className="button button--ghost" onClick={() => setRun((n) => n + 1)}>
                Render again
              </button>
            </div>
          </div>
        ) : null}
        {phase.kind === 'error' && worker.api ? (
          <button type="button" className="button button--ghost" onClick={() => setRun((n) => n + 1)}>
            Try again
          </button>
        ) : null}
      </section>
    </div>
  );
}
