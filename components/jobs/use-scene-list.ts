'use client';

import { useCallback, useEffect, useState } from 'react';
import { isAbortError, listScenes } from '../../lib/client/api';
import type { SceneSummary } from '../../lib/protocol/api-types';
import { isSceneHash } from '../../lib/protocol/job-spec';

export interface SceneList {
  /** Built-ins first, then uploads, newest first; null until the first answer. */
  scenes: SceneSummary[] | null;
  error: string | null;
  /** Puts a scene just uploaded at the head of the uploads (once, even when it was there already). */
  add(scene: SceneSummary): void;
  /** The scene a reference names (built-in id or hash), if the list holds it. */
  find(ref: string): SceneSummary | undefined;
  reload(): void;
}

/** What a job or a URL calls a scene: its built-in id, or an upload's hash. */
export function sceneRef(scene: SceneSummary): string {
  return scene.builtInId ?? scene.hash;
}

/** The first 12 hex digits: enough to tell uploads apart at a glance. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

/** The built-in scenes and recent uploads from GET /api/scenes, fetched once per mount. */
export function useSceneList(): SceneList {
  const [scenes, setScenes] = useState<SceneSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` asks for a refetch
  useEffect(() => {
    const controller = new AbortController();
    listScenes({ signal: controller.signal })
      .then((list) => {
        // An upload may have landed while the list was on its way: keep it.
        setScenes((prev) => merge(list, prev?.filter((s) => !list.some((l) => l.hash === s.hash)) ?? []));
        setError(null);
      })
      .catch((cause) => {
        if (!isAbortError(cause)) setError(cause instanceof Error ? cause.message : String(cause));
      });
    return () => controller.abort();
  }, [attempt]);

  const add = useCallback((scene: SceneSummary) => {
    setScenes((prev) => merge(prev ?? [], [scene]));
  }, []);
  const find = useCallback(
    (ref: string) =>
      scenes?.find((s) =>
        isSceneHash(ref) ? s.hash === ref : s.builtInId === ref && s.source === 'built-in',
      ),
    [scenes],
  );
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { scenes, error, add, find, reload };
}

/** Built-ins in their order, then `extra` uploads, then the rest; each hash once. */
function merge(list: SceneSummary[], extra: SceneSummary[]): SceneSummary[] {
  const seen = new Set<string>();
  const out: SceneSummary[] = [];
  const builtIns = list.filter((s) => s.source === 'built-in');
  const uploads = [...extra, ...list.filter((s) => s.source !== 'built-in')];
  for (const scene of [...builtIns, ...uploads]) {
    if (seen.has(scene.hash)) continue;
    seen.add(scene.hash);
    out.push(scene);
  }
  return out;
}
