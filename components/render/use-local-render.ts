'use client';

import * as Comlink from 'comlink';
import { useEffect, useRef, useState } from 'react';
import { getEnvironmentMapSummary, getSceneSummary } from '../../lib/client/api';
import {
  type LocalRenderParams,
  localRenderEnvironment,
  localRenderTask,
} from '../../lib/dashboard/local-render-params';
import type { SceneSummary } from '../../lib/protocol/api-types';
import { toneMapAccumulation } from '../../lib/render/tonemap';
import type { AdapterSummary } from '../../workers/render-worker-api';
import { useRenderWorker } from '../worker/use-render-worker';

export interface LocalRenderRequest {
  params: LocalRenderParams;
  /** The scene's summary when the caller holds it already; otherwise it is fetched by `params.scene`. */
  scene?: Pick<SceneSummary, 'hash' | 'defaultEnvironment'>;
}

export type LocalRenderPhase =
  | { kind: 'idle' }
  | { kind: 'rendering'; step: 'starting' | 'gpu' | 'tracing'; samplesDone: number }
  | {
      kind: 'done';
      /** The params this image was rendered with (the request may have moved on since). */
      params: LocalRenderParams;
      sums: Float32Array<ArrayBuffer>;
      renderMs: number;
      gpuMs: number;
      dispatches: number;
    }
  | { kind: 'error'; message: string };

export interface LocalRenderState {
  phase: LocalRenderPhase;
  adapter: AdapterSummary | null;
  /** How long the first probe (device and shader compile) took, in ms. */
  gpuReadyMs: number | null;
  /** Whether a retry can help: the worker itself is running. */
  canRetry: boolean;
}

/**
 * Renders a whole image as one task in this page's render worker (the same shader and task shape as a
 * contributor's) and follows its progress. A new request, or a new `run`, starts a new render; a render the
 * page no longer wants is not cancelled in the worker (it has no way to stop a task), so the next one waits
 * for it instead of queueing behind a pile of stale ones. `null` renders nothing.
 */
export function useLocalRender(request: LocalRenderRequest | null, run = 0): LocalRenderState {
  const worker = useRenderWorker();
  const [phase, setPhase] = useState<LocalRenderPhase>(
    request ? { kind: 'rendering', step: 'starting', samplesDone: 0 } : { kind: 'idle' },
  );
  const [adapter, setAdapter] = useState<AdapterSummary | null>(null);
  const [gpuReadyMs, setGpuReadyMs] = useState<number | null>(null);
  /** The render the worker is busy with, if any: a newer request starts after it. */
  const inFlight = useRef<Promise<unknown>>(Promise.resolve());
  const key = request ? JSON.stringify(request) : null;

  useEffect(() => {
    if (worker.error) setPhase({ kind: 'error', message: worker.error });
  }, [worker.error]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `request`; `run` asks for a rerun
  useEffect(() => {
    const api = worker.api;
    if (!request) {
      setPhase({ kind: 'idle' });
      return;
    }
    if (!api) {
      if (!worker.error) setPhase({ kind: 'rendering', step: 'starting', samplesDone: 0 });
      return;
    }
    let cancelled = false;
    setPhase({ kind: 'rendering', step: 'gpu', samplesDone: 0 });
    const previous = inFlight.current;
    const job = (async () => {
      await previous.catch(() => {});
      if (cancelled) return;
      const probeStart = performance.now();
      const probe = await api.probe();
      if (cancelled) return;
      if (!probe.ok) {
        setPhase({ kind: 'error', message: `${probe.reason} ${probe.nextStep}` });
        return;
      }
      setAdapter(probe.adapter);
      setGpuReadyMs((ms) => ms ?? performance.now() - probeStart);
      const scene = request.scene ?? (await getSceneSummary(request.params.scene));
      const environment = await localRenderEnvironment(
        request.params,
        scene,
        async (ref) => (await getEnvironmentMapSummary(ref)).hash,
      );
      if (cancelled) return;
      setPhase({ kind: 'rendering', step: 'tracing', samplesDone: 0 });
      const onProgress = Comlink.proxy((samplesDone: number) => {
        if (!cancelled) setPhase({ kind: 'rendering', step: 'tracing', samplesDone });
      });
      const began = performance.now();
      const outcome = await api.render(localRenderTask(request.params, scene, environment), onProgress);
      const renderMs = performance.now() - began;
      if (cancelled) return;
      if (!outcome.ok) {
        setPhase({ kind: 'error', message: outcome.error });
        return;
      }
      setPhase({
        kind: 'done',
        params: request.params,
        sums: outcome.data,
        renderMs,
        gpuMs: outcome.gpuMs,
        dispatches: outcome.dispatches,
      });
    })().catch((cause) => {
      if (!cancelled)
        setPhase({ kind: 'error', message: cause instanceof Error ? cause.message : String(cause) });
    });
    inFlight.current = job;
    return () => {
      cancelled = true;
    };
  }, [worker.api, key, run]);

  return { phase, adapter, gpuReadyMs, canRetry: worker.api !== null };
}

/** Draws accumulated sums (RESULT_CHANNELS per pixel) into a canvas of the image's size, tone-mapped. */
export function drawAccumulation(
  canvas: HTMLCanvasElement,
  sums: ArrayLike<number>,
  width: number,
  height: number,
  exposure = 1.6,
): void {
  const context = canvas.getContext('2d');
  if (!context) return;
  canvas.width = width;
  canvas.height = height;
  context.putImageData(
    new ImageData(toneMapAccumulation(sums, width * height, exposure), width, height),
    0,
    0,
  );
}
