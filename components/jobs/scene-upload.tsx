'use client';

import { type ChangeEvent, type DragEvent, useEffect, useId, useRef, useState } from 'react';
import { ApiError, uploadEnvironmentMap, uploadScene } from '../../lib/client/api';
import { formatBytes } from '../../lib/client/format';
import { filesFromDrop } from '../../lib/dashboard/dropped-files';
import {
  checkSceneFiles,
  MAX_SCENE_UPLOAD_BYTES,
  SCENE_FILE_ACCEPT,
  separateEnvironmentMaps,
} from '../../lib/dashboard/scene-files';
import type { SceneSummary } from '../../lib/protocol/api-types';
import type { EnvironmentMapSummary } from '../../lib/protocol/environment-maps';

type State =
  | { kind: 'idle' }
  | { kind: 'uploading'; name: string; files: number; bytes: number }
  | { kind: 'uploaded'; name: string }
  | { kind: 'error'; message: string; next: string[] };

/**
 * Drop zone and file picker for a glTF 2.0 scene: one .glb, or a .gltf with its .bin and image files
 * (a dropped folder's files too). Obvious mistakes are answered here; the coordinator imports the scene,
 * and its answer (the summary, or what is wrong and what to do) is shown as it comes. A .hdr among the
 * files is uploaded on its own as the job's environment map.
 */
export function SceneUpload({
  onUploaded,
  onEnvironmentMap,
}: {
  onUploaded: (scene: SceneSummary) => void;
  onEnvironmentMap?: (map: EnvironmentMapSummary) => void;
}) {
  const id = useId();
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [dragging, setDragging] = useState(false);
  // Files are being dragged somewhere over the page: the zone lights up to say where they go.
  const [armed, setArmed] = useState(false);
  const zone = useRef<HTMLDivElement>(null);
  const busy = state.kind === 'uploading';

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hasFiles = (event: globalThis.DragEvent) =>
      [...(event.dataTransfer?.types ?? [])].includes('Files');
    const onOver = (event: globalThis.DragEvent) => {
      if (!hasFiles(event)) return;
      // Without this a file dropped beside the zone would make the browser open it and leave the page.
      event.preventDefault();
      if (event.dataTransfer && !zone.current?.contains(event.target as Node))
        event.dataTransfer.dropEffect = 'none';
      setArmed(true);
      // dragover repeats while the drag lasts; once it stops, the drag has left the window or ended.
      clearTimeout(timer);
      timer = setTimeout(() => setArmed(false), 400);
    };
    const onDrop = (event: globalThis.DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      clearTimeout(timer);
      setArmed(false);
      if (!zone.current?.contains(event.target as Node)) {
        setState({
          kind: 'error',
          message: 'The files were dropped beside the upload box, so nothing was uploaded.',
          next: ['Drop them on the dashed “Bring your own scene” box, or use the Upload button.'],
        });
      }
    };
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      clearTimeout(timer);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, []);

  async function upload(selected: File[]) {
    const { maps, scene: files } = separateEnvironmentMaps(selected);
    const [map] = maps;
    if (map && onEnvironmentMap) {
      if (maps.length > 1) {
        setState({
          kind: 'error',
          message: `That is ${maps.length} .hdr files; a job has one environment map.`,
          next: ['Drop one .hdr file.'],
        });
        return;
      }
      setState({ kind: 'uploading', name: map.name, files: 1, bytes: map.size });
      try {
        const uploaded = await uploadEnvironmentMap(map);
        onEnvironmentMap(uploaded);
        setState({ kind: 'uploaded', name: `${uploaded.name} (environment map)` });
      } catch (cause) {
        const next =
          cause instanceof ApiError ? cause.metaMessages : ['Check your connection and try again.'];
        const message =
          cause instanceof ApiError ? cause.shortMessage : `The upload failed: ${String(cause)}`;
        setState({ kind: 'error', message, next });
        return;
      }
      if (files.length === 0) return;
    }
    const check = checkSceneFiles(files);
    if (!check.ok) {
      setState({ kind: 'error', message: check.message, next: check.next });
      return;
    }
    setState({ kind: 'uploading', name: check.name, files: files.length, bytes: check.totalBytes });
    try {
      const scene = await uploadScene(files, check.name);
      setState({ kind: 'uploaded', name: scene.name });
      onUploaded(scene);
    } catch (cause) {
      if (cause instanceof ApiError) {
        setState({ kind: 'error', message: cause.shortMessage, next: cause.metaMessages });
      } else {
        const detail = cause instanceof Error ? cause.message : String(cause);
        setState({
          kind: 'error',
          message: `The upload did not reach the server: ${detail}`,
          next: ['Check your connection and upload the files again.'],
        });
      }
    }
  }

  function onPick(event: ChangeEvent<HTMLInputElement>) {
    const files = [...(event.target.files ?? [])];
    // Let the same files be picked again after a fix elsewhere (the input only fires on change).
    event.target.value = '';
    if (files.length > 0) void upload(files);
  }

  function onDragOver(event: DragEvent<HTMLElement>) {
    if (![...event.dataTransfer.types].includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = busy ? 'none' : 'copy';
    setDragging(true);
  }

  async function onDrop(event: DragEvent<HTMLElement>) {
    event.preventDefault();
    setDragging(false);
    if (busy) return;
    try {
      void upload(await filesFromDrop(event.dataTransfer));
    } catch (cause) {
      setState({
        kind: 'error',
        message: `The dropped files could not be read: ${cause instanceof Error ? cause.message : String(cause)}`,
        next: ['Choose the files with the button instead.'],
      });
    }
  }

  return (
    <div className="scene-upload">
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is a shortcut; the button is the way in */}
      <div
        ref={zone}
        className={`dropzone${dragging ? ' dropzone--over' : armed ? ' dropzone--armed' : ''}${busy ? ' dropzone--busy' : ''}`}
        data-testid="scene-dropzone"
        onDragOver={onDragOver}
        onDragEnter={onDragOver}
        onDragLeave={(event) => {
          // Leaving for a child element is not leaving the zone.
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <svg className="dropzone__icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 3 4.5 7.2v9.6L12 21l7.5-4.2V7.2L12 3Z" />
          <path d="M4.5 7.2 12 11.4l7.5-4.2M12 11.4V21" />
        </svg>
        <div className="dropzone__text">
          <p className="dropzone__title">
            {dragging ? 'Drop to upload' : armed ? 'Drop your scene here' : 'Bring your own scene'}
          </p>
          <p id={`${id}-hint`} className="dropzone__hint">
            Drop a <strong>.glb</strong>, or a <strong>.gltf</strong> with its .bin and image files (or their
            folder), here. glTF 2.0, up to {formatBytes(MAX_SCENE_UPLOAD_BYTES)}. Add a <strong>.hdr</strong>{' '}
            to light it with your own environment map.
          </p>
        </div>
        <input
          id={`${id}-input`}
          className="visually-hidden"
          type="file"
          multiple
          accept={SCENE_FILE_ACCEPT}
          onChange={onPick}
          disabled={busy}
          aria-describedby={`${id}-hint`}
        />
        <label
          htmlFor={`${id}-input`}
          className={`button button--secondary dropzone__button${busy ? ' is-disabled' : ''}`}
        >
          Upload a glTF scene
        </label>
      </div>

      <div aria-live="polite" className="scene-upload__status">
        {state.kind === 'uploading' ? (
          <p className="scene-upload__progress" data-testid="scene-upload-progress">
            <span className="spinner spinner--small" aria-hidden="true" />
            Uploading and importing <strong>{state.name}</strong>{' '}
            <span className="muted">
              ({state.files} {state.files === 1 ? 'file' : 'files'}, {formatBytes(state.bytes)})…
            </span>
          </p>
        ) : null}
        {state.kind === 'uploaded' ? (
          <p className="scene-upload__done" data-testid="scene-upload-done">
            Uploaded <strong>{state.name}</strong> and selected it for the job.
          </p>
        ) : null}
      </div>
      {state.kind === 'error' ? (
        <div className="notice notice--error" role="alert" data-testid="scene-upload-error">
          <p className="notice__title">{state.message}</p>
          {state.next.length > 0 ? (
            <ul>
              {state.next.map((step) => (
                <li key={step}>{step}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
