import { lastFrameOf } from '../../lib/dashboard/job-plan';
import { ANIMATION_LIMITS } from '../../lib/protocol/limits';
import type { FieldBinder } from './use-job-form';

/**
 * The job form's animation: a frame range (empty last frame: a still), its fps, and a turntable camera. When
 * the chosen scene moves, it says how long its animation is and offers its whole frame range in one click.
 */
export function JobFramesFields({
  id,
  field,
  animationSeconds,
  fps,
}: {
  id: string;
  field: FieldBinder;
  /** The chosen scene's animation length (0: nothing moves). */
  animationSeconds: number;
  /** The fps field as typed (empty: 24). */
  fps: string;
}) {
  const rate = Number(fps) > 0 ? Number(fps) : 24;
  const last = lastFrameOf(animationSeconds, rate);
  const set = (name: 'frameStart' | 'frameEnd', value: string) => field(name).onChange({ target: { value } });
  return (
    <>
      {animationSeconds > 0 ? (
        <p className="hint job-form__animation" id={`${id}-animation`}>
          This scene is animated: {animationSeconds.toFixed(2)} s, frames 0–{last} at {rate} fps.{' '}
          <button
            type="button"
            className="button button--secondary"
            onClick={() => {
              set('frameStart', '0');
              set('frameEnd', String(last));
            }}
          >
            Render the whole animation
          </button>
        </p>
      ) : null}
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
