/**
 * What the dashboard checks before it uploads a glTF scene, so that an obvious mistake gets its answer
 * without a round trip. The server checks everything again (and more): these rules only mirror its limits.
 */
import { formatBytes } from '../client/format';

/** POST /api/scenes reads at most this many bytes (app/api/scenes/route.ts). */
export const MAX_SCENE_UPLOAD_BYTES = 64 * 1024 * 1024;
export const MAX_SCENE_FILES = 128;

/** For the file picker: the scene files, the buffers and images a .gltf names, and an .hdr environment map. */
export const SCENE_FILE_ACCEPT = '.glb,.gltf,.bin,.png,.jpg,.jpeg,.hdr';

/** The parts of a File the checks read (tests pass plain objects). */
export interface NamedFile {
  name: string;
  size: number;
}

export type SceneFilesCheck =
  | {
      ok: true;
      /** The scene's display name: the .glb or .gltf file's name without its extension. */
      name: string;
      totalBytes: number;
    }
  | { ok: false; message: string; next: string[] };

const ACCEPTS = 'Lumengrid accepts glTF 2.0: one .glb file, or one .gltf file with its .bin and image files.';

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Checks a selection of files before upload: that it names a scene, and that it fits the limits. */
export function checkSceneFiles(files: readonly NamedFile[]): SceneFilesCheck {
  if (files.length === 0) {
    return { ok: false, message: 'No files were selected.', next: [ACCEPTS] };
  }
  const scenes = files.filter((f) => ['glb', 'gltf'].includes(extensionOf(f.name)));
  if (scenes.length === 0) {
    const names = files.slice(0, 3).map((f) => baseName(f.name));
    const more = files.length > 3 ? ` and ${files.length - 3} more` : '';
    return {
      ok: false,
      message: `There is no .glb or .gltf file among ${names.join(', ')}${more}.`,
      next: [ACCEPTS, 'Blender: File > Export > glTF 2.0, format "glTF Binary (.glb)".'],
    };
  }
  if (files.length > MAX_SCENE_FILES) {
    return {
      ok: false,
      message: `That is ${files.length} files; an upload may hold at most ${MAX_SCENE_FILES}.`,
      next: ['Select only the scene file and the .bin and image files it uses, or export one .glb file.'],
    };
  }
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  if (totalBytes > MAX_SCENE_UPLOAD_BYTES) {
    return {
      ok: false,
      message: `The files add up to ${formatBytes(totalBytes)}; the limit is ${formatBytes(MAX_SCENE_UPLOAD_BYTES)}.`,
      next: [
        'Shrink the textures (2048 px is plenty for a preview) or simplify the meshes, then export again.',
        'Leave out files the scene does not use.',
      ],
    };
  }
  const main = scenes[0] as NamedFile;
  const name = baseName(main.name).replace(/\.(glb|gltf)$/i, '') || 'scene';
  return { ok: true, name, totalBytes };
}

/** Hidden files a folder carries along (.DS_Store, ._foo.png) are never part of a scene. */
export function isHiddenFile(path: string): boolean {
  return baseName(path).startsWith('.');
}

/**
 * Splits a selection into the .hdr environment maps it holds (uploaded on their own, POST
 * /api/environments) and the scene's files.
 */
export function separateEnvironmentMaps<F extends NamedFile>(files: readonly F[]): { maps: F[]; scene: F[] } {
  const isMap = (f: F) => extensionOf(f.name) === 'hdr';
  return { maps: files.filter(isMap), scene: files.filter((f) => !isMap(f)) };
}
