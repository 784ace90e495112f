'use client';

import * as Comlink from 'comlink';
import { useEffect, useRef, useState } from 'react';
import type { JobView } from '../../lib/protocol/api-types';
import type { DenoiseWorkerApi } from '../../workers/denoise-worker-api';

/** A live job is re-denoised at most this often: each pass downloads the whole accumulation. */
const REFRESH_MS = 5000;

export type DenoisedPreview =
  | { state: 'off' }
  | { state: 'working' }
  | { state: 'ready'; version: number; pngUrl: string; pfmUrl: string; working: boolean }
  | { state: 'failed'; error: string; nextStep: string };

/**
 * The denoised preview of a job while `enabled`: a denoise worker (started on first use, ended on unmount)
 * filters the coordinator's accumulation in this browser, again as new results arrive (one pass at a time,
 * at most every REFRESH_MS). Gives object URLs of the PNG and PFM, revoked when replaced.
 */
export function useDenoisedPreview(job: JobView, enabled: boolean): DenoisedPreview {
  const [preview, setPreview] = useState<DenoisedPreview>({ state: 'off' });
  const api = useRef<Comlink.Remote<DenoiseWorkerApi> | null>(null);
  const busy = useRef(false);
  const lastVersion = useRef(-1);
  const lastStart = useRef(0);
  const urls = useRef<string[]>([]);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    return () => {
      for (const url of urls.current) URL.revokeObjectURL(url);
      urls.current = [];
      api.current?.[Comlink.releaseProxy]();
      api.current = null;
    };
  }, []);

  const { id, version, spec, pixelSamplesDone } = job;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` re-runs the effect after a pass or a wait
  useEffect(() => {
    if (!enabled) return;
    if (pixelSamplesDone === 0 || busy.current || version === lastVersion.current) return;
    const wait = lastStart.current + REFRESH_MS - Date.now();
    if (wait > 0) {
      const timer = setTimeout(() => setTick((t) => t + 1), wait);
      return () => clearTimeout(timer);
    }
    if (!api.current) {
      const worker = new Worker(new URL('../../workers/denoise.worker.ts', import.meta.url), {
        type: 'module',
      });
      api.current = Comlink.wrap<DenoiseWorkerApi>(worker);
    }
    busy.current = true;
    lastStart.current = Date.now();
    lastVersion.current = version;
    setPreview((p) => (p.state === 'ready' ? { ...p, working: true } : { state: 'working' }));
    const settings = {
      sceneHash: spec.sceneHash,
      environment: spec.environment,
      width: spec.width,
      height: spec.height,
      seed: spec.seed,
      maxBounces: spec.maxBounces,
    };
    void api.current.denoise(id, version, settings).then(
      (outcome) => {
        busy.current = false;
        if (!outcome.ok) {
          setPreview({ state: 'failed', error: outcome.error, nextStep: outcome.nextStep });
          return;
        }
        const pngUrl = URL.createObjectURL(new Blob([outcome.png], { type: 'image/png' }));
        const pfmUrl = URL.createObjectURL(
          new Blob([outcome.pfm], { type: 'application/x-portable-floatmap' }),
        );
        for (const url of urls.current) URL.revokeObjectURL(url);
        urls.current = [pngUrl, pfmUrl];
        setPreview({ state: 'ready', version: outcome.version, pngUrl, pfmUrl, working: false });
        // A version that arrived meanwhile is picked up by the next effect run.
        setTick((t) => t + 1);
      },
      (cause) => {
        busy.current = false;
        setPreview({
          state: 'failed',
          error: `The denoise worker stopped: ${cause instanceof Error ? cause.message : String(cause)}`,
          nextStep: 'Reload the page to try again.',
        });
      },
    );
  }, [enabled, id, version, spec, pixelSamplesDone, tick]);

  return enabled ? preview : { state: 'off' };
}
