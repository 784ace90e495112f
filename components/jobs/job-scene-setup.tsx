'use client';

import type { EnvironmentChoice } from '../../lib/dashboard/environment-presets';
import type { SceneSummary } from '../../lib/protocol/api-types';
import type { EnvironmentMapSummary } from '../../lib/protocol/environment-maps';
import { SceneDetails } from './scene-details';
import { SceneOptions } from './scene-options';
import { ScenePreflight } from './scene-preflight';
import { SceneUpload } from './scene-upload';
import type { FieldBinder } from './use-job-form';
import type { SceneList } from './use-scene-list';

/** The job form's scene: the choice of scene, its details, an upload, and the preflight render beside. */
export function JobSceneSetup({
  id,
  field,
  current,
  sceneList,
  scene,
  env,
  aspect,
  onUploaded,
  onEnvironmentMap,
}: {
  id: string;
  field: FieldBinder;
  /** The chosen scene's id or hash, as the field holds it. */
  current: string;
  sceneList: SceneList;
  scene: SceneSummary | null;
  env: EnvironmentChoice;
  aspect: number;
  onUploaded: (scene: SceneSummary) => void;
  onEnvironmentMap: (map: EnvironmentMapSummary) => void;
}) {
  return (
    <div className="scene-setup">
      <div className="scene-setup__main">
        <div className="field">
          <label htmlFor={`${id}-scene`}>Scene</label>
          <select {...field('scene')} data-testid="scene-select">
            <SceneOptions scenes={sceneList.scenes} current={current} />
          </select>
        </div>
        {sceneList.error ? (
          <p className="notice notice--error" role="alert">
            Could not load the scenes: <span className="pre-line">{sceneList.error}</span>{' '}
            <button type="button" className="link-button" onClick={sceneList.reload}>
              Try again
            </button>
          </p>
        ) : null}
        {scene ? <SceneDetails scene={scene} /> : null}
        <SceneUpload onUploaded={onUploaded} onEnvironmentMap={onEnvironmentMap} />
      </div>
      <ScenePreflight scene={scene} env={env} aspect={aspect} />
    </div>
  );
}
