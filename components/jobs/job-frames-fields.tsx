import { ANIMATION_LIMITS } from '../../lib/protocol/limits';
import type { FieldBinder } from './use-job-form';

/** The job form's animation: a frame range (empty last frame: a still), its fps, and a turntable camera. */
export function JobFramesFields({ id, field }: { id: string; field: FieldBinder }) {
  return (
    <>
      <div className="job-form__grid">
        <div className="field">
          <label htmlFor={`${id}-frameStart`}>First frame</label>
          <input {...field('frameStart')} type="number" inputMode="numeric" step={1} min={0} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-frameEnd`}>Last frame</label>
          <input
            {...field('frameEnd')}
            type="number"
            inputMode="numeric"
            step={1}
            min={0}
            aria-describedby={`${id}-frames`}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-fps`}>Frames per second</label>
          <input {...field('fps')} type="number" inputMode="numeric" placeholder="24" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-orbitDegrees`}>Turntable (degrees)</label>
          <input {...field('orbitDegrees')} type="number" inputMode="numeric" placeholder="none" />
        </div>
      </div>
      <p id={`${id}-frames`} className="hint">
        Leave the last frame empty for a still. An animation renders every frame from first to last (at most{' '}
        {ANIMATION_LIMITS.maxFrames}), each its own image; a turntable turns the camera about the scene over
        the frames.
      </p>
    </>
  );
}
