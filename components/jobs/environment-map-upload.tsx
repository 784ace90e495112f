'use client';

import { useState } from 'react';
import { ApiError, uploadEnvironmentMap } from '../../lib/client/api';
import { ENVIRONMENT_MAP_LIMITS } from '../../lib/protocol/limits';
import type { FieldBinder } from './use-job-form';

/**
 * Attaches a Radiance .hdr environment map to the job: uploaded on its own (content-hashed like scenes),
 * then the form's environment becomes 'map' with that hash. Too large or unreadable files get the
 * coordinator's message, which says what to send instead.
 */
export function EnvironmentMapUpload({ id, field }: { id: string; field: FieldBinder }) {
  const [state, setState] = useState<{ kind: 'idle' | 'uploading' | 'done' | 'error'; message?: string }>({
    kind: 'idle',
  });
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > ENVIRONMENT_MAP_LIMITS.maxBytes) {
      setState({
        kind: 'error',
        message: `${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MiB; maps may be at most ${ENVIRONMENT_MAP_LIMITS.maxBytes / 2 ** 20} MiB. Downscale it.`,
      });
      return;
    }
    setState({ kind: 'uploading' });
    try {
      const map = await uploadEnvironmentMap(file);
      field('environmentMap').onChange({ target: { value: map.hash } });
      field('environment').onChange({ target: { value: 'map' } });
      setState({
        kind: 'done',
        message: `${map.name}: ${map.width}×${map.height}, ${map.hash.slice(0, 12)}…`,
      });
    } catch (error) {
      const message =
        error instanceof ApiError
          ? [error.shortMessage, ...error.metaMessages].join(' ')
          : 'The upload failed; try again.';
      setState({ kind: 'error', message });
    }
  };
  return (
    <div className="field field--wide">
      <label htmlFor={`${id}-environment-map-file`}>HDR environment map (.hdr)</label>
      <input
        id={`${id}-environment-map-file`}
        type="file"
        accept=".hdr,image/vnd.radiance"
        disabled={state.kind === 'uploading'}
        onChange={(event) => void onFile(event.target.files?.[0])}
      />
      {state.kind === 'uploading' ? <p className="hint">Uploading…</p> : null}
      {state.kind === 'done' ? <p className="hint">{state.message}</p> : null}
      {state.kind === 'error' ? (
        <p className="hint hint--error" role="alert">
          {state.message}
        </p>
      ) : null}
    </div>
  );
}
