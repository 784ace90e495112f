import Form from 'next/form';
import { ENVIRONMENT_CHOICES, ENVIRONMENT_LABELS } from '../../lib/dashboard/environment-presets';
import type { LocalRenderForm as FormValues } from '../../lib/dashboard/local-render-params';
import { LOCAL_LIMITS } from '../../lib/dashboard/local-render-params';
import { JOB_LIMITS } from '../../lib/protocol/limits';
import { LocalSceneSelect } from './local-scene-select';

/** A GET form: its fields become the page's query, so every local render has a shareable URL. */
export function LocalRenderForm({ values, errors }: { values: FormValues; errors: string[] }) {
  return (
    <Form action="/render" className="card local-form" aria-label="Render settings">
      <div className="local-form__grid">
        <div className="field field--wide">
          <label htmlFor="local-scene">Scene</label>
          <LocalSceneSelect id="local-scene" name="scene" defaultValue={values.scene} />
        </div>
        <NumberField
          name="width"
          label="Width"
          value={values.width}
          min={8}
          max={LOCAL_LIMITS.maxDimension}
        />
        <NumberField
          name="height"
          label="Height"
          value={values.height}
          min={8}
          max={LOCAL_LIMITS.maxDimension}
        />
        <NumberField
          name="spp"
          label="Samples per pixel"
          value={values.spp}
          min={1}
          max={LOCAL_LIMITS.maxSamplesPerPixel}
        />
        <NumberField
          name="maxBounces"
          label="Max bounces"
          value={values.maxBounces}
          min={1}
          max={JOB_LIMITS.maxBounces}
        />
        <NumberField name="seed" label="Seed" value={values.seed} min={0} max={0xffff_ffff} />
        <div className="field field--wide">
          <label htmlFor="local-env">Environment</label>
          <select id="local-env" name="env" defaultValue={values.env}>
            {ENVIRONMENT_CHOICES.map((choice) => (
              <option key={choice} value={choice}>
                {ENVIRONMENT_LABELS[choice]}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--wide">
          <label htmlFor="local-envMap">Uploaded map hash (environment “Uploaded HDR map”)</label>
          <input id="local-envMap" name="envMap" defaultValue={values.envMap} pattern="[0-9a-f]{64}" />
        </div>
        <DecimalField name="envRotation" label="Map rotation (°)" value={values.envRotation} step={15} />
        <DecimalField name="envIntensity" label="Map intensity" value={values.envIntensity} step={0.1} />
        <DecimalField
          name="aperture"
          label="Aperture radius (0 = pinhole)"
          value={values.aperture}
          step={0.01}
        />
        <DecimalField name="focus" label="Focus distance" value={values.focus} step={0.1} />
        <div className="field">
          <label htmlFor="local-filter">Pixel filter</label>
          <select id="local-filter" name="filter" defaultValue={values.filter}>
            <option value="gaussian">Gaussian</option>
            <option value="box">Box</option>
          </select>
        </div>
      </div>
      {errors.length > 0 ? (
        <div className="notice notice--error" role="alert">
          {errors.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      ) : null}
      <button type="submit" className="button button--primary">
        Render
      </button>
    </Form>
  );
}

function NumberField(props: { name: string; label: string; value: string; min: number; max: number }) {
  const id = `local-${props.name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="number"
        inputMode="numeric"
        step={1}
        min={props.min}
        max={props.max}
        defaultValue={props.value}
      />
    </div>
  );
}

function DecimalField(props: { name: string; label: string; value: string; step: number }) {
  const id = `local-${props.name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="number"
        inputMode="decimal"
        step={props.step}
        defaultValue={props.value}
      />
    </div>
  );
}
