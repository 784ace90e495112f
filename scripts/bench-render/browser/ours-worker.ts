/**
 * Ours in the browser: Lumengrid's PathTracer on Chromium's WebGPU in a dedicated worker, as
 * workers/render.worker.ts runs it for contributors, minus comlink and the scene download (the scene is
 * built and packed here, and that time is reported as setup, not as rendering).
 */
import { acquireGpu } from '../../../lib/render/capability';
import { OursRunner } from '../ours-runner';
import type { RunOutcome, RunRequest } from '../protocol';

let runner: Promise<OursRunner> | null = null;

async function createRunner(): Promise<OursRunner> {
  const gpu = await acquireGpu(self.navigator.gpu);
  if (!gpu.ok) throw new Error(`${gpu.reason} ${gpu.nextStep}`);
  const { vendor, architecture, description } = gpu.adapter;
  return new OursRunner(gpu.device, [vendor, architecture, description].filter(Boolean).join(' / '));
}

self.onmessage = (event: MessageEvent<RunRequest>) => {
  runner ??= createRunner();
  runner
    .then((r) => r.run(event.data))
    .then(
      (report): void => self.postMessage({ ok: true, report } satisfies RunOutcome),
      (cause: unknown): void =>
        self.postMessage({
          ok: false,
          error: cause instanceof Error ? `${cause.message}\n${cause.stack ?? ''}` : String(cause),
        } satisfies RunOutcome),
    );
};
