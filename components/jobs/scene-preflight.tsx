'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import type { EnvironmentChoice } from '../../lib/dashboard/environment-presets';
import { LOCAL_DEFAULTS } from '../../lib/dashboard/local-render-params';
import type { SceneSummary } from '../../lib/protocol/api-types';
import { drawAccumulation, type LocalRenderRequest, useLocalRender } from '../render/use-local-render';
import { StatusBadge } from '../ui/status-badge';

/** Few samples and bounces: enough to see that the scene loaded right, quick even on a slow GPU. */
export const PREFLIGHT = { width: 160, spp: 8, maxBounces: 4, seed: 1 } as const;

/** The preview's height for an image of this aspect ratio (width / height), within sane bounds. */
function preflightHeight(aspect: number): number {
  const height = Math.round(PREFLIGHT.width / (Number.isFinite(aspect) && aspect > 0 ? aspect : 1));
  return Math.min(PREFLIGHT.width * 2, Math.max(40, height));
}

/** `value`, once it has held still for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * A small low-sample render of the chosen scene, made in this browser before the requestor pays for a
 * job: the same worker, shader and task shape as a contributor's, so a scene that looks right here renders
 * right on the farm.
 */
export function ScenePreflight({
  scene,
  env,
  aspect,
}: {
  /** null while the scene's summary is unknown. */
  scene: SceneSummary | null;
  env: EnvironmentChoice;
  /** The job's width / height: the preview frames the scene the way the job will. */
  aspect: number;
}) {
  const height = useSettled(preflightHeight(aspect), 400);
  const request = useMemo<LocalRenderRequest | null>(
    () =>
      scene
        ? {
            params: {
              ...LOCAL_DEFAULTS,
              scene: scene.hash,
              width: PREFLIGHT.width,
              height,
              spp: PREFLIGHT.spp,
              seed: PREFLIGHT.seed,
              maxBounces: PREFLIGHT.maxBounces,
              // An uploaded map is placed in the Advanced fold; the preview keeps to the scene's own light.
              env: env === 'map' ? 'default' : env,
            },
            scene,
          }
        : null,
    [scene, height, env],
  );
  const [run, setRun] = useState(0);
  const { phase, canRetry } = useLocalRender(request, run);
  const canvas = useRef<HTMLCanvasElement>(null);

  const image = phase.kind === 'done' ? phase : null;
  useEffect(() => {
    if (image && canvas.current) {
      drawAccumulation(canvas.current, image.sums, image.params.width, image.params.height);
    }
  }, [image]);

  const status =
    phase.kind === 'error'
      ? `error: ${phase.message}`
      : phase.kind === 'done'
        ? 'done'
        : phase.kind === 'idle'
          ? 'waiting'
          : 'rendering';
  const shownHeight = image?.params.height ?? height;

  return (
    <figure className="preflight">
      <div
        className="preflight__frame"
        style={{ aspectRatio: `${PREFLIGHT.width} / ${shownHeight}` }}
        aria-busy={phase.kind === 'rendering'}
      >
        <canvas
          ref={canvas}
          className="preflight__image"
          width={PREFLIGHT.width}
          height={shownHeight}
          data-testid="scene-preflight"
          // Which scene the pixels show (the selection may have moved on while they render).
          data-rendered-scene={image?.params.scene}
          role="img"
          aria-label={scene ? `Preview of ${scene.name}` : 'Scene preview'}
        />
        {phase.kind === 'rendering' ? (
          <div className="preflight__veil">
            <span className="spinner" aria-hidden="true" />
            <span className="preflight__progress">
              {phase.step === 'tracing'
                ? `${phase.samplesDone} / ${PREFLIGHT.spp} spp`
                : phase.step === 'gpu'
                  ? 'starting the GPU…'
                  : 'starting…'}
            </span>
          </div>
        ) : null}
      </div>
      <figcaption className="preflight__caption">
        <span>Preview, {PREFLIGHT.spp} samples per pixel — rendered on your GPU</span>
        <span className="preflight__status">
          <StatusBadge
            status={status}
            tone={
              phase.kind === 'error'
                ? 'error'
                : phase.kind === 'done'
                  ? 'ok'
                  : phase.kind === 'idle'
                    ? 'idle'
                    : 'busy'
            }
            testId="scene-preflight-status"
          />
          {phase.kind === 'error' && canRetry ? (
            <button type="button" className="link-button" onClick={() => setRun((n) => n + 1)}>
              Try again
            </button>
          ) : null}
        </span>
      </figcaption>
    </figure>
  );
}
