import { formatBytes } from '../../lib/client/format';
import type { SceneSummary } from '../../lib/protocol/api-types';
import { shortHash } from './use-scene-list';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** Emissive triangles are lights too (the light sampler picks among them); punctual lights are counted apart. */
function lightsOf(scene: SceneSummary): string {
  const parts: string[] = [];
  if (scene.info.lightCount > 0) parts.push(plural(scene.info.lightCount, 'emissive triangle'));
  if (scene.stats.lights > 0) parts.push(plural(scene.stats.lights, 'punctual light'));
  return parts.length > 0 ? parts.join(' + ') : 'none';
}

/** What the coordinator made of a scene: its counts, packed size, content hash and import warnings. */
export function SceneDetails({ scene }: { scene: SceneSummary }) {
  return (
    <section className="scene-details" aria-label={`Scene ${scene.name}`} data-testid="scene-summary">
      <dl className="scene-facts">
        <div>
          <dt>Triangles</dt>
          <dd data-testid="scene-triangles">{scene.stats.triangles.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Materials</dt>
          <dd data-testid="scene-materials">{scene.stats.materials}</dd>
        </div>
        <div>
          <dt>Textures</dt>
          <dd data-testid="scene-textures">{scene.stats.textures}</dd>
        </div>
        <div>
          <dt>Lights</dt>
          <dd data-testid="scene-lights">{lightsOf(scene)}</dd>
        </div>
        <div>
          <dt>Packed size</dt>
          <dd data-testid="scene-bytes">{formatBytes(scene.bytes)}</dd>
        </div>
        <div>
          <dt>Content hash</dt>
          <dd className="mono" title={scene.hash} data-testid="scene-hash">
            {shortHash(scene.hash)}
          </dd>
        </div>
      </dl>
      {scene.warnings.length > 0 ? (
        <ul className="scene-details__warnings" data-testid="scene-warnings">
          {scene.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
