'use client';

import * as Comlink from 'comlink';
import { useEffect, useState } from 'react';
import type { RenderWorkerApi } from '../../workers/render-worker-api';

export type RenderWorkerHandle =
  | { state: 'starting'; api: null; error: null }
  | { state: 'ready'; api: Comlink.Remote<RenderWorkerApi>; error: null }
  | { state: 'failed'; api: null; error: string };

const STARTING: RenderWorkerHandle = { state: 'starting', api: null, error: null };

/**
 * Starts this page's render worker (the WebGPU path tracer off the main thread) and ends it on unmount.
 * The API is wrapped in an object because a comlink proxy is callable and React would take it for an
 * updater function.
 */
export function useRenderWorker(): RenderWorkerHandle {
  const [handle, setHandle] = useState<RenderWorkerHandle>(STARTING);

  useEffect(() => {
    if (typeof Worker === 'undefined') {
      setHandle({ state: 'failed', api: null, error: 'This browser cannot run Web Workers.' });
      return;
    }
    const worker = new Worker(new URL('../../workers/render.worker.ts', import.meta.url), { type: 'module' });
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      const detail = event.message ? `: ${event.message}` : '';
      setHandle({ state: 'failed', api: null, error: `The render worker could not start${detail}.` });
    };
    worker.addEventListener('error', onError);
    const api = Comlink.wrap<RenderWorkerApi>(worker);
    setHandle({ state: 'ready', api, error: null });
    return () => {
      worker.removeEventListener('error', onError);
      api[Comlink.releaseProxy]();
      worker.terminate();
      setHandle(STARTING);
    };
  }, []);

  return handle;
}
