/**
 * The benchmark page: installs `window.lumengridBench` (protocol.ts), which hands each request to a
 * long-lived worker per renderer. Workers persist across requests so that each renderer compiles its
 * shaders once per page, as a real viewer or contributor tab would.
 */
import {
  type BenchPageApi,
  PAGE_API_KEY,
  type RendererId,
  type RunOutcome,
  type RunRequest,
} from '../protocol';

const WORKER_URLS: Record<RendererId, string> = { ours: '/ours-worker.js', peer: '/peer-worker.js' };
const workers = new Map<RendererId, Worker>();
/** One request at a time per page: two renderers sharing two CPU cores would time each other. */
let queue: Promise<unknown> = Promise.resolve();

function workerFor(renderer: RendererId): Worker {
  let worker = workers.get(renderer);
  if (!worker) {
    worker = new Worker(WORKER_URLS[renderer], { name: `bench-${renderer}` });
    workers.set(renderer, worker);
  }
  return worker;
}

function runNow(request: RunRequest): Promise<RunOutcome> {
  const worker = workerFor(request.renderer);
  return new Promise((resolve) => {
    worker.onmessage = (event: MessageEvent<RunOutcome>) => resolve(event.data);
    worker.onerror = (event: ErrorEvent) =>
      resolve({ ok: false, error: `worker error: ${event.message} (${event.filename}:${event.lineno})` });
    worker.postMessage(request);
  });
}

const api: BenchPageApi = {
  run(request) {
    const next = queue.then(() => runNow(request));
    queue = next;
    return next;
  },
};

Object.assign(window, { [PAGE_API_KEY]: api });
document.body.dataset.ready = 'true';
