import type { SceneSummary } from '../../lib/protocol/api-types';
import { isSceneHash } from '../../lib/protocol/job-spec';
import { sceneRef, shortHash } from './use-scene-list';

/** How a select names a scene: built-ins by title, uploads by name and short hash. */
export function sceneLabel(scene: SceneSummary): string {
  return scene.source === 'built-in' ? scene.name : `${scene.name} · ${shortHash(scene.hash)}`;
}

/**
 * The <option>s of a scene select: built-ins, then uploads, grouped. `current` always has an option, even
 * before the list arrives or when it is an older upload the list no longer holds.
 */
export function SceneOptions({ scenes, current }: { scenes: SceneSummary[] | null; current: string }) {
  const builtIns = scenes?.filter((s) => s.source === 'built-in') ?? [];
  const uploads = scenes?.filter((s) => s.source !== 'built-in') ?? [];
  const known = scenes?.some((s) => sceneRef(s) === current) ?? false;
  return (
    <>
      {!known ? (
        <option value={current}>
          {isSceneHash(current) ? `Scene ${shortHash(current)}` : scenes ? current : `${current} (loading…)`}
        </option>
      ) : null}
      {builtIns.length > 0 ? (
        <optgroup label="Built-in scenes">
          {builtIns.map((scene) => (
            <option key={scene.hash} value={sceneRef(scene)}>
              {sceneLabel(scene)}
            </option>
          ))}
        </optgroup>
      ) : null}
      {uploads.length > 0 ? (
        <optgroup label="Uploaded scenes">
          {uploads.map((scene) => (
            <option key={scene.hash} value={sceneRef(scene)} title={scene.hash}>
              {sceneLabel(scene)}
            </option>
          ))}
        </optgroup>
      ) : null}
    </>
  );
}
