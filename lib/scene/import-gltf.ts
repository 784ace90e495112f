/**
 * glTF 2.0 upload -> SceneDescription. Accepts what a browser file input gives: one `.glb`, or one `.gltf`
 * with its `.bin` and image files under their relative URIs. Runs in browsers, workers and Node (no fs,
 * no fetch): every resource comes from the `files` map, and a missing one is named in the error.
 *
 * What is kept: the default scene's node hierarchy flattened into triangles with their normals,
 * TEXCOORD_0/1, COLOR_0 and TANGENT, in world space, except under animated nodes: there each moving node's
 * subtree is an instance stored once in that node's space, and the file's node animations (translation,
 * rotation, scale; STEP, LINEAR, CUBICSPLINE; an animated camera) become the scene's animation, posed per
 * frame by lib/scene/animation.ts (lib/scene/gltf-animation.ts says how, and bounds it); glTF 2.0
 * metallic-roughness materials with their base colour (and alpha: OPAQUE, MASK, BLEND), metallic-roughness,
 * normal and emissive textures (PNG or JPEG, decoded to RGBA8 and kept as files for the packed scene),
 * samplers and KHR_texture_transform; doubleSided; emissive strength, transmission and IOR; the first
 * perspective camera; KHR_lights_punctual lights (moving with their instance). What is ignored, with a
 * warning: every other extension (named), textures in WebP/KTX2/AVIF, UV sets beyond 1, skins (rendered
 * unskinned, in the bind pose) and morph targets (the base shape), non-triangle primitives. Occlusion
 * textures are left out without a warning: a path tracer traces the shadowing they approximate (see
 * describeMaterial).
 */
import {
  type Accessor,
  type GLTF,
  type Node as GltfNode,
  type Scene as GltfScene,
  type ILogger,
  type Material,
  type Mesh,
  type Primitive,
  type Root,
  type Texture,
  type TextureInfo,
  WebIO,
} from '@gltf-transform/core';
import {
  type EmissiveStrength,
  type IOR,
  KHRLightsPunctual,
  KHRMaterialsEmissiveStrength,
  KHRMaterialsIOR,
  KHRMaterialsTransmission,
  KHRMeshQuantization,
  KHRTextureTransform,
  type Light,
  type Transform,
  type Transmission,
} from '@gltf-transform/extensions';
import { z } from 'zod';
import { SCENE_LIMITS } from '../protocol/limits';
import type { SceneImportStats } from '../protocol/scene-info';
import { animationDuration } from './animation';
import {
  decodeJpegBounded,
  decodePngBounded,
  imageFormat,
  jpegSize,
  pngHeader,
  pngToRgba8,
} from './decode-image';
import { type GltfRig, readGltfAnimation } from './gltf-animation';
import { SHADING_WORDS, TRIANGLE_WORDS } from './packed-scene';
import {
  type CameraDescription,
  DEFAULT_MATERIAL,
  IDENTITY_TRANSFORM,
  type MaterialDescription,
  type PunctualLightDescription,
  type SceneDescription,
  type TextureBinding,
  type TextureDescription,
  type TextureWrap,
  type Vec3,
} from './scene-description';
import { SceneImportError } from './scene-import-error';

export interface SceneLimits {
  /** Sum of all uploaded files' sizes. */
  maxFileBytes: number;
  maxTriangles: number;
  /** Largest texture width or height. */
  maxTextureDimension: number;
  maxTextures: number;
  /** Sum of width x height over all decoded textures (4 bytes each once packed). */
  maxTexturePixelsTotal: number;
  /** The glTF JSON (.gltf file or .glb JSON chunk). */
  maxJsonBytes: number;
  maxNodes: number;
  /**
   * The packed scene (lib/scene/scene-file.ts) this import will make: checked from the triangle and texel
   * counts before they are flattened or decoded (packScene's exact size is checked again after packing).
   */
  maxPackedBytes: number;
}

export const DEFAULT_SCENE_LIMITS: SceneLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxTriangles: 2_000_000,
  maxTextureDimension: SCENE_LIMITS.maxTextureDimension,
  maxTextures: 64,
  maxTexturePixelsTotal: SCENE_LIMITS.maxTexturePixelsTotal,
  maxJsonBytes: SCENE_LIMITS.maxJsonBytes,
  maxNodes: SCENE_LIMITS.maxNodes,
  maxPackedBytes: SCENE_LIMITS.maxPackedBytes,
};

/** Bytes a triangle takes in the packed file (triangles + shading sections), BVH nodes not counted. */
export const PACKED_TRIANGLE_BYTES = (TRIANGLE_WORDS + SHADING_WORDS) * 4;

export type { SceneImportStats };

export interface SceneImport {
  scene: SceneDescription;
  warnings: string[];
  stats: SceneImportStats;
}

/**
 * Extensions whose meaning we keep (KHR_mesh_quantization only widens the accepted accessor types, which
 * reading handles). Every other extension a file uses is named in a warning, or refused when required.
 */
const SUPPORTED_EXTENSIONS = [
  KHRMaterialsTransmission,
  KHRMaterialsIOR,
  KHRMaterialsEmissiveStrength,
  KHRLightsPunctual,
  KHRTextureTransform,
  KHRMeshQuantization,
];
const SUPPORTED_EXTENSION_NAMES = new Set<string>(SUPPORTED_EXTENSIONS.map((e) => e.EXTENSION_NAME));

/** How to get rid of the extensions people meet most often. */
const EXTENSION_ADVICE: Record<string, string> = {
  KHR_draco_mesh_compression:
    'Re-export without Draco compression (Blender: uncheck Compression), or run `gltf-transform cp in.glb out.glb`.',
  EXT_meshopt_compression:
    'Re-export without meshopt compression (gltfpack: omit -c), or decompress with `gltf-transform cp in.glb out.glb`.',
  KHR_texture_basisu: 'Re-export with PNG or JPEG textures instead of KTX2/Basis.',
  EXT_texture_webp: 'Re-export with PNG or JPEG textures instead of WebP.',
  EXT_texture_avif: 'Re-export with PNG or JPEG textures instead of AVIF.',
  EXT_mesh_gpu_instancing: 'Re-export with instances expanded into ordinary nodes.',
};

const ACCEPTED_FORMATS =
  'Lumengrid accepts glTF 2.0: one binary .glb file, or one .gltf file together with its .bin and image files.';
const EXPORT_HINT = 'Blender: File > Export > glTF 2.0, format "glTF Binary (.glb)".';

/** The parts of the glTF JSON we inspect before handing it to glTF-Transform. */
const gltfJsonSchema = z.looseObject({
  asset: z.looseObject({ version: z.string() }),
  extensionsUsed: z.array(z.string()).optional(),
  extensionsRequired: z.array(z.string()).optional(),
  buffers: z.array(z.looseObject({ uri: z.string().optional() })).optional(),
  images: z.array(z.looseObject({ uri: z.string().optional() })).optional(),
  textures: z
    .array(
      z.looseObject({
        source: z.number().optional(),
        extensions: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
});

/** Image formats that live in texture extensions, which Lumengrid cannot keep (no pure-JS decoder we trust). */
const TEXTURE_FORMAT_EXTENSIONS: Record<string, string> = {
  KHR_texture_basisu: 'KTX2/Basis Universal',
  EXT_texture_webp: 'WebP',
  EXT_texture_avif: 'AVIF',
};

const index = z.number().int().min(0);
/** Buffer, view and accessor declarations, checked against the bytes before any array is built. */
const layoutSchema = z.looseObject({
  buffers: z.array(z.looseObject({ uri: z.string().optional(), byteLength: index })).optional(),
  bufferViews: z
    .array(
      z.looseObject({
        buffer: index,
        byteOffset: index.optional(),
        byteLength: index,
        byteStride: index.optional(),
      }),
    )
    .optional(),
  accessors: z
    .array(
      z.looseObject({
        bufferView: index.optional(),
        byteOffset: index.optional(),
        componentType: z.number(),
        count: index.min(1),
        type: z.string(),
      }),
    )
    .optional(),
});

const COMPONENT_BYTES: Record<number, number> = { 5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4 };
const TYPE_COMPONENTS: Record<string, number> = {
  SCALAR: 1,
  VEC2: 2,
  VEC3: 3,
  VEC4: 4,
  MAT2: 4,
  MAT3: 9,
  MAT4: 16,
};

/**
 * glTF 2.0 spec 3.6: every buffer view lies inside its buffer and every accessor inside its view, and a
 * buffer's bytes are at least its declared byteLength. glTF-Transform does not check this, and a forged
 * accessor count would otherwise make it allocate arrays of any size.
 */
function checkLayout(
  name: string,
  json: unknown,
  resources: Record<string, Uint8Array>,
  maxBytes: number,
): void {
  const damaged = (problem: string) =>
    new SceneImportError(`${name} is damaged: ${problem}.`, {
      metaMessages: [`Upload the complete files, or re-export the scene. ${EXPORT_HINT}`],
    });
  const parsed = layoutSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw damaged(
      `${issue?.path.join('.') ?? 'a buffer or accessor'} is invalid (${issue?.message ?? 'bad value'})`,
    );
  }
  const { buffers = [], bufferViews = [], accessors = [] } = parsed.data;
  buffers.forEach((buffer, i) => {
    if (buffer.uri?.startsWith('data:')) return; // decoded by the reader; its size is bounded by the upload
    const bytes = resources[buffer.uri ?? '@glb.bin'];
    if (bytes && bytes.length < buffer.byteLength) {
      throw damaged(`buffer ${i} holds ${bytes.length} bytes but declares ${buffer.byteLength} (truncated?)`);
    }
  });
  bufferViews.forEach((view, i) => {
    const buffer = buffers[view.buffer];
    if (!buffer || (view.byteOffset ?? 0) + view.byteLength > buffer.byteLength) {
      throw damaged(`buffer view ${i} lies outside its buffer`);
    }
  });
  accessors.forEach((accessor, i) => {
    const componentBytes = COMPONENT_BYTES[accessor.componentType];
    const components = TYPE_COMPONENTS[accessor.type];
    if (!componentBytes || !components) throw damaged(`accessor ${i} has an unknown type`);
    const elementBytes = componentBytes * components;
    if (accessor.bufferView === undefined) {
      // No data (all zeros, or sparse): still an allocation of count elements.
      if (accessor.count * elementBytes > maxBytes)
        throw damaged(`accessor ${i} declares ${accessor.count} elements`);
      return;
    }
    const view = bufferViews[accessor.bufferView];
    if (!view) throw damaged(`accessor ${i} refers to a missing buffer view`);
    const stride = view.byteStride ?? elementBytes;
    const end = (accessor.byteOffset ?? 0) + stride * (accessor.count - 1) + elementBytes;
    if (end > view.byteLength)
      throw damaged(`accessor ${i} reads past the end of buffer view ${accessor.bufferView}`);
  });
}

/** Imports a glTF upload. Throws SceneImportError for anything the user must fix in the file. */
export async function importGltf(
  input: { files: Map<string, Uint8Array> },
  limits: Partial<SceneLimits> = {},
): Promise<SceneImport> {
  const lim: SceneLimits = { ...DEFAULT_SCENE_LIMITS, ...limits };
  const warnings = new Set<string>();
  const files = normaliseFileNames(input.files);
  checkUploadSize(files, lim);

  const main = findMainFile(files);
  const { json, bin } =
    main.kind === 'glb'
      ? parseGlb(main.name, main.bytes, lim.maxJsonBytes)
      : parseGltfJson(main.name, main.bytes, lim.maxJsonBytes);
  const gltf = checkJson(main.name, json);
  checkNodeCount(main.name, json, lim);
  const resources = gatherResources(main, gltf, bin, files);
  checkLayout(main.name, json, resources, lim.maxFileBytes);
  warnAboutExtensions(gltf, warnings);

  const { root, scene } = await readScene(main.name, json, resources, warnings);
  const found = collectDraws(scene, warnings);
  checkTriangleCount(found.triangleCount, lim);
  checkPackedSize(found.triangleCount * PACKED_TRIANGLE_BYTES, lim);
  const rig = readGltfAnimation(
    root,
    scene,
    {
      drawnNodes: new Set([...found.draws.map((d) => d.node), ...found.lightNodes.map((l) => l.node)]),
      cameraNode: found.cameraNode,
      cameraYfov: found.cameraNode ? nodeCamera(found.cameraNode).yfov : AUTO_YFOV,
      skinnedMeshes: found.skinnedMeshes,
      morphedMeshes: found.morphedMeshes,
    },
    warnings,
  );
  placeDraws(found.draws, rig);
  const mesh = flattenDraws(main.name, found.draws, found.triangleCount, lim, warnings);
  const description = describeScene(mesh, found, rig, warnings);

  return {
    scene: description,
    warnings: [...warnings],
    stats: {
      triangles: mesh.triangles,
      materials: mesh.materials.length,
      textures: description.textures.length,
      lights: description.punctualLights.length,
      meshes: found.meshes.size,
      animationSeconds: animationDuration(rig),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The steps of an import, in order

function checkUploadSize(files: Map<string, Uint8Array>, lim: SceneLimits): void {
  let totalBytes = 0;
  for (const bytes of files.values()) totalBytes += bytes.length;
  if (totalBytes > lim.maxFileBytes) {
    throw new SceneImportError(
      `The upload is ${formatMiB(totalBytes)}, more than the ${formatMiB(lim.maxFileBytes)} limit.`,
      {
        metaMessages: [
          'Reduce the mesh (Blender: Decimate modifier) or shrink the textures, then upload again.',
        ],
      },
    );
  }
}

/**
 * The external resources the main file names (buffers, images), from the upload, keyed by the URI written
 * in the file as glTF-Transform's resource map expects. Throws for web URIs, files not uploaded, and
 * buffers without a URI outside a .glb (or a .glb without its binary chunk).
 */
function gatherResources(
  main: MainFile,
  gltf: z.infer<typeof gltfJsonSchema>,
  bin: Uint8Array | null,
  files: Map<string, Uint8Array>,
): Record<string, Uint8Array<ArrayBuffer>> {
  const resources: Record<string, Uint8Array<ArrayBuffer>> = {};
  if (bin) resources['@glb.bin'] = ownBuffer(bin);
  const baseDir = dirname(main.name);
  const missing: string[] = [];
  const remote: string[] = [];
  const external = [...(gltf.buffers ?? []), ...(gltf.images ?? [])];
  for (const resource of external) {
    const uri = resource.uri;
    if (uri === undefined || uri.startsWith('data:')) continue;
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
      remote.push(uri);
      continue;
    }
    const found = lookupFile(files, resolvePath(baseDir, uri));
    if (found) resources[uri] = ownBuffer(found);
    else missing.push(resolvePath('', uri)); // as the file names it, which is what the user recognises
  }
  if (remote.length > 0) {
    throw new SceneImportError(`${main.name} refers to files on the web (${remote.join(', ')}).`, {
      metaMessages: ['Lumengrid never downloads scene parts. Embed them: export as a single .glb file.'],
    });
  }
  if (missing.length > 0) {
    const list = [...new Set(missing)].join(', ');
    throw new SceneImportError(
      `${main.name} needs ${list}, which ${missing.length === 1 ? 'was' : 'were'} not uploaded.`,
      {
        metaMessages: [
          'Select the .gltf file together with its .bin and image files (or the whole folder) when uploading,',
          `or export a single .glb file instead. ${EXPORT_HINT}`,
        ],
        details: { missing: [...new Set(missing)] },
      },
    );
  }
  if (main.kind === 'gltf' && (gltf.buffers ?? []).some((b) => b.uri === undefined)) {
    throw new SceneImportError(`${main.name} has a buffer without a URI, which only a .glb file may have.`, {
      metaMessages: [`Re-export the model. ${EXPORT_HINT}`],
    });
  }
  if (main.kind === 'glb' && !bin && (gltf.buffers ?? []).some((b) => b.uri === undefined)) {
    throw new SceneImportError(`${main.name} is truncated: its binary chunk is missing.`, {
      metaMessages: [`Upload the complete file, or re-export it. ${EXPORT_HINT}`],
    });
  }
  return resources;
}

/** Warns about the extensions the file uses that are rendered without (instancing has its own words). */
function warnAboutExtensions(gltf: z.infer<typeof gltfJsonSchema>, warnings: Set<string>): void {
  if (gltf.extensionsUsed?.includes('EXT_mesh_gpu_instancing')) {
    warnings.add('EXT_mesh_gpu_instancing is ignored: each instanced mesh is drawn once, at its node.');
  }
  const ignoredExtensions = (gltf.extensionsUsed ?? []).filter(
    (name) => !SUPPORTED_EXTENSION_NAMES.has(name) && name !== 'EXT_mesh_gpu_instancing',
  );
  if (ignoredExtensions.length > 0) {
    warnings.add(`Ignored glTF extensions (rendered without them): ${ignoredExtensions.join(', ')}.`);
  }
  // A texture whose only image is in one of these formats is unreadable: its materials render without it.
  // (A required format extension was refused by checkJson; one with a PNG/JPEG fallback uses the fallback.)
  (gltf.textures ?? []).forEach((texture, i) => {
    const formats = Object.keys(texture.extensions ?? {}).filter((name) => name in TEXTURE_FORMAT_EXTENSIONS);
    if (formats.length === 0) return;
    const named = formats.map((name) => `${name} (${TEXTURE_FORMAT_EXTENSIONS[name]})`).join(', ');
    if (texture.source === undefined) {
      warnings.add(
        `Texture ${i} is stored only as ${named}, which Lumengrid cannot decode; its materials render without it. ${EXTENSION_ADVICE[formats[0] as string] ?? ''}`.trim(),
      );
    } else {
      warnings.add(`Texture ${i}'s ${named} image is ignored; its PNG/JPEG fallback is used.`);
    }
  });
}

/** Reads the document with glTF-Transform (its warnings become ours) and picks its default scene. */
async function readScene(
  name: string,
  json: unknown,
  resources: Record<string, Uint8Array<ArrayBuffer>>,
  warnings: Set<string>,
): Promise<{ root: Root; scene: GltfScene }> {
  const logger: ILogger = {
    debug: () => {},
    info: () => {},
    warn: (text) => warnings.add(`glTF reader: ${text}`),
    error: (text) => warnings.add(`glTF reader: ${text}`),
  };
  const io = new WebIO().setLogger(logger).registerExtensions(SUPPORTED_EXTENSIONS);
  let document: Awaited<ReturnType<WebIO['readJSON']>>;
  try {
    // The JSON passed zod's shape check above; the reader validates the rest as it goes.
    document = await io.readJSON({ json: json as GLTF.IGLTF, resources });
  } catch (error) {
    throw new SceneImportError(`${name} could not be read: ${errorText(error)}`, {
      cause: error,
      metaMessages: [`The file is probably damaged or not valid glTF 2.0. Re-export it. ${EXPORT_HINT}`],
    });
  }

  const root = document.getRoot();
  const scene = root.getDefaultScene() ?? root.listScenes()[0];
  if (!scene) {
    throw new SceneImportError(`${name} contains no scene.`, {
      metaMessages: [`Export with at least one scene holding the visible objects. ${EXPORT_HINT}`],
    });
  }
  return { root, scene };
}

/**
 * One triangle primitive to draw: its node, and (set by placeDraws) the instance it belongs to and the
 * column-major matrix into that instance's object space (the world matrix for the static instance 0).
 */
interface Draw {
  node: GltfNode;
  primitive: Primitive;
  matrix: number[];
  instance: number;
}

/** Gives every draw its instance and its matrix into that instance's space (lib/scene/gltf-animation.ts). */
function placeDraws(draws: Draw[], rig: GltfRig): void {
  const matrices = new Map<GltfNode, number[]>();
  for (const draw of draws) {
    let matrix = matrices.get(draw.node);
    if (!matrix) {
      matrix = rig.objectMatrix(draw.node);
      matrices.set(draw.node, matrix);
    }
    draw.matrix = matrix;
    draw.instance = rig.instanceOf(draw.node);
  }
}

/** What pass 1 finds in the scene's node tree, before anything is allocated. */
interface SceneContents {
  draws: Draw[];
  meshes: Set<Mesh>;
  /** The first node with a perspective camera. */
  cameraNode: GltfNode | null;
  lightNodes: { node: GltfNode; light: Light }[];
  triangleCount: number;
  /** Names of drawn meshes with a skin, and with morph targets (rendered undeformed, with a warning). */
  skinnedMeshes: Set<string>;
  morphedMeshes: Set<string>;
}

/** Pass 1: find what to draw, the camera and the lights, and count triangles before allocating anything. */
function collectDraws(scene: GltfScene, warnings: Set<string>): SceneContents {
  const found: SceneContents = {
    draws: [],
    meshes: new Set<Mesh>(),
    cameraNode: null,
    lightNodes: [],
    triangleCount: 0,
    skinnedMeshes: new Set<string>(),
    morphedMeshes: new Set<string>(),
  };
  scene.traverse((node) => {
    const mesh = node.getMesh();
    if (mesh) collectMesh(node, mesh, found, warnings);
    const camera = node.getCamera();
    if (!found.cameraNode && camera) {
      if (camera.getType() === 'perspective') found.cameraNode = node;
      else
        warnings.add(
          'Orthographic cameras are not supported; the first perspective camera (or an automatic view) is used.',
        );
    }
    const light = node.getExtension<Light>('KHR_lights_punctual');
    if (light) found.lightNodes.push({ node, light });
  });
  return found;
}

/** The drawable (triangle, positioned) primitives of a node's mesh, with warnings for what is skipped. */
function collectMesh(node: GltfNode, mesh: Mesh, found: SceneContents, warnings: Set<string>): void {
  const meshName = mesh.getName() || node.getName() || 'mesh';
  if (node.getSkin()) found.skinnedMeshes.add(meshName);
  for (const primitive of mesh.listPrimitives()) {
    if (primitive.getMode() !== 4) {
      warnings.add(
        `Skipped primitives drawn as ${MODE_NAMES[primitive.getMode()] ?? `mode ${primitive.getMode()}`}: only TRIANGLES are rendered.`,
      );
      continue;
    }
    const position = primitive.getAttribute('POSITION');
    if (!position) {
      warnings.add(`Skipped a primitive of mesh "${mesh.getName()}" that has no POSITION attribute.`);
      continue;
    }
    if (primitive.listTargets().length > 0) found.morphedMeshes.add(meshName);
    const indices = primitive.getIndices();
    found.triangleCount += Math.floor((indices ? indices.getCount() : position.getCount()) / 3);
    found.draws.push({ node, primitive, matrix: [], instance: 0 });
    found.meshes.add(mesh);
  }
}

/** Refuses a scene whose packed file would exceed `maxPackedBytes` (with what is known so far). */
function checkPackedSize(bytes: number, lim: SceneLimits): void {
  if (bytes <= lim.maxPackedBytes) return;
  throw new SceneImportError(
    `The scene would pack to more than ${formatMiB(bytes)}, over the ${formatMiB(lim.maxPackedBytes)} limit on a stored scene.`,
    {
      metaMessages: [
        'Every node that reuses a mesh stores its own copy of the triangles, and every texture pixel takes 4 bytes.',
        'Reduce the instances or the mesh (Blender: Decimate modifier), or shrink the textures, then upload again.',
      ],
    },
  );
}

function checkNodeCount(name: string, json: unknown, lim: SceneLimits): void {
  const nodes = (json as { nodes?: unknown }).nodes;
  const count = Array.isArray(nodes) ? nodes.length : 0;
  if (count > lim.maxNodes) {
    throw new SceneImportError(
      `${name} has ${count.toLocaleString('en-US')} nodes, more than the ${lim.maxNodes.toLocaleString('en-US')} limit.`,
      { metaMessages: ['Join objects that share a material (Blender: Ctrl+J) and export again.'] },
    );
  }
}

function checkTriangleCount(triangleCount: number, lim: SceneLimits): void {
  if (triangleCount > lim.maxTriangles) {
    throw new SceneImportError(
      `The scene has ${triangleCount.toLocaleString('en-US')} triangles, more than the ${lim.maxTriangles.toLocaleString('en-US')} limit.`,
      { metaMessages: ['Simplify the meshes (Blender: Decimate modifier) and upload again.'] },
    );
  }
}

/** The world-space triangle soup of pass 2, with its materials and decoded textures. */
interface FlatMesh {
  /** Triangles written (at most the counted ones: some may be skipped). */
  triangles: number;
  /** 9 floats a triangle (3 corners × xyz), sized for the counted triangles. */
  positions: Float32Array;
  normals: Float32Array;
  /** 6 floats a triangle (3 corners × uv). */
  uvs: Float32Array;
  /**
   * TEXCOORD_1 (6 floats a triangle), COLOR_0 (12, RGBA) and TANGENT (12, xyzw): allocated when the first
   * primitive that has one is flattened, the triangles before it given the defaults (a copy of TEXCOORD_0,
   * white, and a zero tangent that packScene replaces with a generated one).
   */
  uvs1: Float32Array | null;
  colors: Float32Array | null;
  tangents: Float32Array | null;
  /** Sized for the counted triangles, for the lazy arrays above. */
  capacity: number;
  materialIndices: Uint32Array;
  /** 1 per triangle: its instance (0 = static, world space). */
  triangleInstances: Uint32Array;
  materials: MaterialDescription[];
  textures: TextureTable;
}

/** Pass 2: flatten every draw into world space, describing each material (and its texture) once. */
function flattenDraws(
  name: string,
  draws: readonly Draw[],
  triangleCount: number,
  lim: SceneLimits,
  warnings: Set<string>,
): FlatMesh {
  const out: FlatMesh = {
    triangles: 0,
    positions: new Float32Array(triangleCount * 9),
    normals: new Float32Array(triangleCount * 9),
    uvs: new Float32Array(triangleCount * 6),
    uvs1: null,
    colors: null,
    tangents: null,
    capacity: triangleCount,
    materialIndices: new Uint32Array(triangleCount),
    triangleInstances: new Uint32Array(triangleCount),
    materials: [],
    textures: new TextureTable(lim, warnings, triangleCount * PACKED_TRIANGLE_BYTES),
  };
  // A material is described once per use with and without COLOR_0: the kernel multiplies vertex colours
  // only for materials flagged to have them, so primitives without stay as cheap as before.
  const materialIndex = new Map<Material | null, [number | undefined, number | undefined]>();
  let skippedTriangles = 0;

  for (const draw of draws) {
    const material = draw.primitive.getMaterial();
    const colored = hasVertexColors(draw.primitive) ? 1 : 0;
    const known = materialIndex.get(material) ?? [undefined, undefined];
    let mi = known[colored];
    if (mi === undefined) {
      mi = out.materials.length;
      out.materials.push(
        material
          ? describeMaterial(material, out.textures, warnings, colored === 1)
          : { ...DEFAULT_MATERIAL, ...(colored === 1 && { vertexColors: true }) },
      );
      known[colored] = mi;
      materialIndex.set(material, known);
    }
    skippedTriangles += flattenPrimitive(draw, mi, out, warnings);
  }
  if (skippedTriangles > 0) {
    warnings.add(`Skipped ${skippedTriangles} triangles with out-of-range indices or non-finite positions.`);
  }
  if (out.triangles === 0) {
    throw new SceneImportError(`${name} contains no triangles to render.`, {
      metaMessages: [
        'Make sure the visible objects are meshes in the exported scene (not curves or points).',
      ],
    });
  }
  return out;
}

/**
 * Appends one primitive's triangles to `out` in world space, with material `mi`; returns how many it
 * skipped (out-of-range indices, non-finite positions). A node whose transform has zero scale is skipped
 * whole, with a warning.
 */
function flattenPrimitive(
  { node, primitive, matrix: m, instance }: Draw,
  mi: number,
  out: FlatMesh,
  warnings: Set<string>,
): number {
  const { positions, normals, uvs, materialIndices } = out;
  // Upper 3x3 of the column-major world matrix, its determinant, and its cofactor matrix
  // (= det x inverse transpose): normals transform by the inverse transpose, up to a scale that the
  // normalisation removes and a sign that sign(det) restores.
  const det =
    (m[0] as number) * ((m[5] as number) * (m[10] as number) - (m[6] as number) * (m[9] as number)) -
    (m[4] as number) * ((m[1] as number) * (m[10] as number) - (m[2] as number) * (m[9] as number)) +
    (m[8] as number) * ((m[1] as number) * (m[6] as number) - (m[2] as number) * (m[5] as number));
  if (!(Math.abs(det) > 0) || !Number.isFinite(det)) {
    warnings.add(`Skipped node "${node.getName()}": its transform has zero scale.`);
    return 0;
  }
  const cof = cofactor3(m);
  const sign = det < 0 ? -1 : 1;

  const position = primitive.getAttribute('POSITION') as Accessor;
  const vertexCount = position.getCount();
  const pos = readAttribute(position, 3, 'POSITION');
  const normalAccessor = primitive.getAttribute('NORMAL');
  const nrm =
    normalAccessor && normalAccessor.getCount() === vertexCount
      ? readAttribute(normalAccessor, 3, 'NORMAL')
      : null;
  const uvAccessor = primitive.getAttribute('TEXCOORD_0');
  const tex =
    uvAccessor && uvAccessor.getCount() === vertexCount ? readAttribute(uvAccessor, 2, 'TEXCOORD_0') : null;
  const uv1Accessor = primitive.getAttribute('TEXCOORD_1');
  const tex1 =
    uv1Accessor && uv1Accessor.getCount() === vertexCount
      ? readAttribute(uv1Accessor, 2, 'TEXCOORD_1')
      : null;
  const colorAccessor = primitive.getAttribute('COLOR_0');
  const color = colorAccessor && colorAccessor.getCount() === vertexCount ? readColors(colorAccessor) : null;
  const tangentAccessor = primitive.getAttribute('TANGENT');
  const tan =
    tangentAccessor && tangentAccessor.getCount() === vertexCount
      ? readAttribute(tangentAccessor, 4, 'TANGENT')
      : null;
  if (tex1 && !out.uvs1)
    out.uvs1 = Float32Array.from({ length: out.capacity * 6 }, (_, i) => uvs[i] as number);
  if (color && !out.colors) out.colors = new Float32Array(out.capacity * 12).fill(1);
  if (tan && !out.tangents) out.tangents = new Float32Array(out.capacity * 12);
  const indexArray = primitive.getIndices()?.getArray() ?? null;
  const primitiveTriangles = Math.floor((indexArray ? indexArray.length : vertexCount) / 3);

  let skipped = 0;
  let t = out.triangles;
  const corner = [0, 0, 0];
  const world = new Float64Array(9);
  for (let k = 0; k < primitiveTriangles; k++) {
    corner[0] = indexArray ? (indexArray[3 * k] as number) : 3 * k;
    // A mirroring transform turns the winding inside out; swapping two corners restores it.
    corner[1] = indexArray ? (indexArray[3 * k + (sign < 0 ? 2 : 1)] as number) : 3 * k + (sign < 0 ? 2 : 1);
    corner[2] = indexArray ? (indexArray[3 * k + (sign < 0 ? 1 : 2)] as number) : 3 * k + (sign < 0 ? 1 : 2);
    if (corner.some((c) => c >= vertexCount)) {
      skipped++;
      continue;
    }
    let finite = true;
    for (let v = 0; v < 3; v++) {
      const i = (corner[v] as number) * 3;
      const x = pos[i] as number;
      const y = pos[i + 1] as number;
      const z = pos[i + 2] as number;
      for (let a = 0; a < 3; a++) {
        const w =
          (m[a] as number) * x + (m[4 + a] as number) * y + (m[8 + a] as number) * z + (m[12 + a] as number);
        world[v * 3 + a] = w;
        finite &&= Number.isFinite(w) && Math.abs(Math.fround(w)) !== Infinity;
      }
    }
    if (!finite) {
      skipped++;
      continue;
    }
    positions.set(world, t * 9);

    const face = faceNormal(world);
    for (let v = 0; v < 3; v++) {
      const o = t * 9 + v * 3;
      let n: Vec3 = face;
      if (nrm) {
        const i = (corner[v] as number) * 3;
        const transformed = normalize(
          mul3(cof, nrm[i] as number, nrm[i + 1] as number, nrm[i + 2] as number),
          sign,
        );
        if (transformed) n = transformed;
      }
      normals[o] = n[0];
      normals[o + 1] = n[1];
      normals[o + 2] = n[2];
      const c = corner[v] as number;
      if (tex) {
        uvs[t * 6 + v * 2] = tex[c * 2] as number;
        uvs[t * 6 + v * 2 + 1] = tex[c * 2 + 1] as number;
      }
      if (out.uvs1) {
        out.uvs1[t * 6 + v * 2] = (tex1 ?? tex)?.[c * 2] ?? 0;
        out.uvs1[t * 6 + v * 2 + 1] = (tex1 ?? tex)?.[c * 2 + 1] ?? 0;
      }
      if (out.colors) {
        for (let k = 0; k < 4; k++) out.colors[t * 12 + v * 4 + k] = color ? (color[c * 4 + k] as number) : 1;
      }
      if (out.tangents) {
        const o4 = t * 12 + v * 4;
        // Tangents are directions on the surface: they transform by the matrix itself; a mirroring matrix
        // flips the bitangent cross(N, T), which the handedness w undoes.
        const world = tan
          ? normalize([
              (m[0] as number) * (tan[c * 4] as number) +
                (m[4] as number) * (tan[c * 4 + 1] as number) +
                (m[8] as number) * (tan[c * 4 + 2] as number),
              (m[1] as number) * (tan[c * 4] as number) +
                (m[5] as number) * (tan[c * 4 + 1] as number) +
                (m[9] as number) * (tan[c * 4 + 2] as number),
              (m[2] as number) * (tan[c * 4] as number) +
                (m[6] as number) * (tan[c * 4 + 1] as number) +
                (m[10] as number) * (tan[c * 4 + 2] as number),
            ])
          : null;
        out.tangents.set(
          world ? [...world, ((tan?.[c * 4 + 3] as number) < 0 ? -1 : 1) * sign] : [0, 0, 0, 1],
          o4,
        );
      }
    }
    materialIndices[t] = mi;
    out.triangleInstances[t] = instance;
    t++;
  }
  out.triangles = t;
  return skipped;
}

/**
 * The scene description: the flattened mesh trimmed to the triangles written, the first perspective camera
 * (or one framing the bounds) and the lights; warns when nothing lights the scene.
 */
function describeScene(
  mesh: FlatMesh,
  found: SceneContents,
  rig: GltfRig,
  warnings: Set<string>,
): SceneDescription {
  const { triangles: t, positions, normals, uvs, materialIndices, materials } = mesh;
  const whole = t === found.triangleCount;
  const animated = rig.animation !== undefined;
  const description: SceneDescription = {
    positions: whole ? positions : positions.slice(0, t * 9),
    normals: whole ? normals : normals.slice(0, t * 9),
    uvs: whole ? uvs : uvs.slice(0, t * 6),
    ...(mesh.uvs1 && { uvs1: whole ? mesh.uvs1 : mesh.uvs1.slice(0, t * 6) }),
    ...(mesh.colors && { colors: whole ? mesh.colors : mesh.colors.slice(0, t * 12) }),
    ...(mesh.tangents && { tangents: whole ? mesh.tangents : mesh.tangents.slice(0, t * 12) }),
    materialIndices: whole ? materialIndices : materialIndices.slice(0, t),
    materials,
    textures: mesh.textures.list,
    camera: found.cameraNode
      ? nodeCamera(found.cameraNode)
      : frameBounds(
          animated
            ? restBounds(positions.subarray(0, t * 9), mesh.triangleInstances.subarray(0, t), rig)
            : boundsOf(positions.subarray(0, t * 9)),
        ),
    punctualLights: found.lightNodes.map(({ node, light }) =>
      describeLight(light, rig.objectMatrix(node), rig.instanceOf(node)),
    ),
    ...(rig.animation && {
      triangleInstances: whole ? mesh.triangleInstances : mesh.triangleInstances.slice(0, t),
      instances: rig.instances,
      animation: rig.animation,
    }),
  };
  if (
    description.punctualLights.length === 0 &&
    !materials.some((mat) => mat.emissive[0] > 0 || mat.emissive[1] > 0 || mat.emissive[2] > 0)
  ) {
    warnings.add(
      'The scene has no lights and no emissive materials: it is lit only by the environment, if any.',
    );
  }
  return description;
}

const MODE_NAMES: Record<number, string> = {
  0: 'POINTS',
  1: 'LINES',
  2: 'LINE_LOOP',
  3: 'LINE_STRIP',
  5: 'TRIANGLE_STRIP',
  6: 'TRIANGLE_FAN',
};

// ---------------------------------------------------------------------------------------------------
// Files and containers

function normaliseFileNames(files: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [name, bytes] of files) out.set(resolvePath('', name.replace(/\\/g, '/')), bytes);
  return out;
}

type MainFile = { kind: 'glb' | 'gltf'; name: string; bytes: Uint8Array };

function findMainFile(files: Map<string, Uint8Array>): MainFile {
  const candidates: MainFile[] = [];
  for (const [name, bytes] of files) {
    if (/\.glb$/i.test(name)) candidates.push({ kind: 'glb', name, bytes });
    else if (/\.gltf$/i.test(name)) candidates.push({ kind: 'gltf', name, bytes });
  }
  if (candidates.length === 0) {
    // Names can be lost (a drag from some apps gives "blob"): recognise the content instead.
    for (const [name, bytes] of files) {
      if (startsWithAscii(bytes, 'glTF')) candidates.push({ kind: 'glb', name, bytes });
      else if (looksLikeGltfJson(bytes)) candidates.push({ kind: 'gltf', name, bytes });
    }
  }
  const [only, ...rest] = candidates;
  if (!only) {
    const names = [...files.keys()];
    throw new SceneImportError(
      names.length === 0
        ? 'No file was uploaded.'
        : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} not a glTF scene.`,
      { metaMessages: [ACCEPTED_FORMATS, EXPORT_HINT] },
    );
  }
  if (rest.length > 0) {
    throw new SceneImportError(
      `The upload holds ${candidates.length} scene files (${candidates.map((c) => c.name).join(', ')}).`,
      {
        metaMessages: [`Upload one scene at a time. ${ACCEPTED_FORMATS}`],
      },
    );
  }
  return only;
}

const GLB_MAGIC = 0x46546c67; // 'glTF'
const CHUNK_JSON = 0x4e4f534a; // 'JSON'
const CHUNK_BIN = 0x004e4942; // 'BIN\0'

/**
 * GLB container (glTF 2.0 spec, section 4.4): 12-byte header (magic, version, length), then a JSON chunk and
 * an optional BIN chunk, each 8-byte header (length, type) + data. Parsed here rather than by glTF-Transform
 * so that truncation and version 1 files get a precise message and unaligned input works.
 */
function parseGlb(
  name: string,
  bytes: Uint8Array,
  maxJsonBytes: number,
): { json: unknown; bin: Uint8Array | null } {
  const damaged = (problem: string) =>
    new SceneImportError(`${name} is not a valid binary glTF file: ${problem}.`, {
      metaMessages: [`Upload the complete file, or re-export it. ${EXPORT_HINT}`],
    });
  if (bytes.length < 20 || !startsWithAscii(bytes, 'glTF')) {
    throw new SceneImportError(`${name} is not a binary glTF (.glb) file.`, {
      metaMessages: [ACCEPTED_FORMATS, EXPORT_HINT],
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== GLB_MAGIC) throw damaged('bad magic');
  const version = view.getUint32(4, true);
  if (version !== 2) throw gltfVersionError(name, String(version));
  const length = view.getUint32(8, true);
  if (length > bytes.length)
    throw damaged(`it declares ${length} bytes but ${bytes.length} arrived (truncated)`);
  const jsonLength = view.getUint32(12, true);
  if (view.getUint32(16, true) !== CHUNK_JSON) throw damaged('the first chunk is not JSON');
  if (20 + jsonLength > length) throw damaged('the JSON chunk runs past the end of the file (truncated)');
  if (jsonLength > maxJsonBytes) throw jsonTooLarge(name, jsonLength, maxJsonBytes);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(20, 20 + jsonLength)));
  } catch (error) {
    throw damaged(`its JSON chunk does not parse (${errorText(error)})`);
  }
  let bin: Uint8Array | null = null;
  const binStart = 20 + jsonLength;
  if (binStart + 8 <= length) {
    const binLength = view.getUint32(binStart, true);
    if (view.getUint32(binStart + 4, true) === CHUNK_BIN) {
      if (binStart + 8 + binLength > length)
        throw damaged('the binary chunk runs past the end of the file (truncated)');
      bin = bytes.subarray(binStart + 8, binStart + 8 + binLength);
    }
  }
  return { json, bin };
}

function parseGltfJson(name: string, bytes: Uint8Array, maxJsonBytes: number): { json: unknown; bin: null } {
  if (bytes.length > maxJsonBytes) throw jsonTooLarge(name, bytes.length, maxJsonBytes);
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
    return { json: JSON.parse(text), bin: null };
  } catch (error) {
    throw new SceneImportError(`${name} is not valid glTF JSON (${errorText(error)}).`, {
      metaMessages: [ACCEPTED_FORMATS, EXPORT_HINT],
    });
  }
}

function jsonTooLarge(name: string, bytes: number, maxBytes: number): SceneImportError {
  return new SceneImportError(
    `The glTF JSON of ${name} is ${formatMiB(bytes)}, more than the ${formatMiB(maxBytes)} limit.`,
    {
      metaMessages: [
        `Keep geometry and images in the binary buffer, not in the JSON (no data: URIs): export a .glb. ${EXPORT_HINT}`,
      ],
    },
  );
}

function checkJson(name: string, json: unknown): z.infer<typeof gltfJsonSchema> {
  const parsed = gltfJsonSchema.safeParse(json);
  if (!parsed.success) {
    throw new SceneImportError(`${name} is not a glTF 2.0 file: it lacks a valid "asset" description.`, {
      metaMessages: [ACCEPTED_FORMATS, EXPORT_HINT],
    });
  }
  const gltf = parsed.data;
  if (!gltf.asset.version.startsWith('2.')) throw gltfVersionError(name, gltf.asset.version);
  const unsupported = (gltf.extensionsRequired ?? []).filter((e) => !SUPPORTED_EXTENSION_NAMES.has(e));
  if (unsupported.length > 0) {
    const list =
      unsupported.length === 1
        ? unsupported[0]
        : `${unsupported.slice(0, -1).join(', ')} and ${unsupported.at(-1)}`;
    throw new SceneImportError(`The file uses ${list}, which Lumengrid does not support yet.`, {
      metaMessages: unsupported.map(
        (e) => EXTENSION_ADVICE[e] ?? `Re-export the scene without ${e} (it is listed as required).`,
      ),
      details: { unsupportedExtensions: unsupported },
    });
  }
  return gltf;
}

function gltfVersionError(name: string, version: string): SceneImportError {
  return new SceneImportError(`${name} is glTF ${version}; Lumengrid reads glTF 2.0 only.`, {
    metaMessages: [`Convert it to glTF 2.0 (e.g. open it in Blender and export again). ${EXPORT_HINT}`],
  });
}

function startsWithAscii(bytes: Uint8Array, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return bytes.length >= text.length;
}

function looksLikeGltfJson(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 4096));
  return /^\uFEFF?\s*\{/.test(head) && head.includes('"asset"');
}

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Joins a relative URI onto a folder and removes '.' and '..' segments (never climbing above the root). */
function resolvePath(base: string, uri: string): string {
  let decoded = uri;
  try {
    decoded = decodeURIComponent(uri);
  } catch {
    // A stray '%' is legal in a file name; keep the URI as written.
  }
  const out: string[] = [];
  for (const part of `${base}/${decoded}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/**
 * Finds an uploaded file by its resolved path; failing that by its base name, since a multi-file upload
 * without folders flattens "textures/wood.png" to "wood.png".
 */
function lookupFile(files: Map<string, Uint8Array>, path: string): Uint8Array | undefined {
  const exact = files.get(path);
  if (exact) return exact;
  const base = path.slice(path.lastIndexOf('/') + 1);
  const matches = [...files.keys()].filter((k) => k.slice(k.lastIndexOf('/') + 1) === base);
  return matches.length === 1 ? files.get(matches[0] as string) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Geometry

function hasVertexColors(primitive: Primitive): boolean {
  const colors = primitive.getAttribute('COLOR_0');
  return !!colors && colors.getCount() === primitive.getAttribute('POSITION')?.getCount();
}

/** COLOR_0 as linear RGBA floats (glTF: VEC3 or VEC4, float or normalised unsigned byte/short). */
function readColors(accessor: Accessor): Float32Array {
  const components = accessor.getElementSize();
  if (components !== 3 && components !== 4) {
    throw new SceneImportError(`A COLOR_0 attribute has ${components} components instead of 3 or 4.`, {
      metaMessages: [`The file is not valid glTF 2.0. Re-export it. ${EXPORT_HINT}`],
    });
  }
  const values = readAttribute(accessor, components, 'COLOR_0');
  if (components === 4) return values;
  const count = accessor.getCount();
  const out = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) {
    out[i * 4] = values[i * 3] as number;
    out[i * 4 + 1] = values[i * 3 + 1] as number;
    out[i * 4 + 2] = values[i * 3 + 2] as number;
    out[i * 4 + 3] = 1;
  }
  return out;
}

/** Reads an attribute as floats, decoding normalised integers (core glTF and KHR_mesh_quantization). */
function readAttribute(accessor: Accessor, components: number, semantic: string): Float32Array {
  const size = accessor.getElementSize();
  const array = accessor.getArray();
  if (size !== components || !array) {
    throw new SceneImportError(`A ${semantic} attribute has ${size} components instead of ${components}.`, {
      metaMessages: [`The file is not valid glTF 2.0. Re-export it. ${EXPORT_HINT}`],
    });
  }
  if (array instanceof Float32Array && !accessor.getNormalized()) return array;
  const count = accessor.getCount();
  const out = new Float32Array(count * components);
  const element: number[] = [];
  for (let i = 0; i < count; i++) out.set(accessor.getElement(i, element), i * components);
  return out;
}

function cofactor3(m: number[]): number[] {
  // a[r][c] = m[c * 4 + r] (column-major).
  const a = (r: number, c: number) => m[c * 4 + r] as number;
  const out: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      const r1 = (r + 1) % 3;
      const r2 = (r + 2) % 3;
      const c1 = (c + 1) % 3;
      const c2 = (c + 2) % 3;
      // Cyclic indices give the signed cofactor directly.
      out[r * 3 + c] = a(r1, c1) * a(r2, c2) - a(r1, c2) * a(r2, c1);
    }
  }
  return out; // row-major
}

function mul3(rowMajor: number[], x: number, y: number, z: number): Vec3 {
  const r = (i: number) => rowMajor[i] as number;
  return [r(0) * x + r(1) * y + r(2) * z, r(3) * x + r(4) * y + r(5) * z, r(6) * x + r(7) * y + r(8) * z];
}

/** Unit vector times `sign`, or null when `v` has no direction. */
function normalize(v: Vec3, sign = 1): Vec3 | null {
  const length = Math.hypot(v[0], v[1], v[2]);
  if (!(length > 0) || !Number.isFinite(length)) return null;
  const s = sign / length;
  return [v[0] * s, v[1] * s, v[2] * s];
}

function faceNormal(p: Float64Array): Vec3 {
  const e1: Vec3 = [
    (p[3] as number) - (p[0] as number),
    (p[4] as number) - (p[1] as number),
    (p[5] as number) - (p[2] as number),
  ];
  const e2: Vec3 = [
    (p[6] as number) - (p[0] as number),
    (p[7] as number) - (p[1] as number),
    (p[8] as number) - (p[2] as number),
  ];
  // A zero-area triangle is never hit; any unit vector keeps the normals section well formed.
  return normalize(cross(e1, e2)) ?? [0, 1, 0];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** The world bounds of the scene at rest: each instance's vertices carried by its rest transform. */
function restBounds(
  positions: Float32Array,
  triangleInstances: Uint32Array,
  rig: GltfRig,
): { min: Vec3; max: Vec3 } {
  const world = new Float32Array(positions.length);
  for (let i = 0; i < positions.length; i += 3) {
    const m: readonly number[] =
      rig.instances[triangleInstances[Math.floor(i / 9)] as number]?.transform ?? IDENTITY_TRANSFORM;
    const x = positions[i] as number;
    const y = positions[i + 1] as number;
    const z = positions[i + 2] as number;
    const at = (k: number) => m[k] as number;
    for (let a = 0; a < 3; a++) {
      world[i + a] = at(a * 4) * x + at(a * 4 + 1) * y + at(a * 4 + 2) * z + at(a * 4 + 3);
    }
  }
  return boundsOf(world);
}

function boundsOf(positions: Float32Array): { min: Vec3; max: Vec3 } {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < positions.length; i += 3) {
    for (let a = 0; a < 3; a++) {
      const v = positions[i + a] as number;
      if (v < (min[a] as number)) min[a] = v;
      if (v > (max[a] as number)) max[a] = v;
    }
  }
  return { min: min as Vec3, max: max as Vec3 };
}

/** Vertical field of view of the automatic camera. */
const AUTO_YFOV = (40 * Math.PI) / 180;

/**
 * A camera that sees the whole scene: on the +Z side of the bounds' centre, raised by about 14 degrees,
 * far enough that the bounding sphere fits the 40-degree vertical field of view.
 */
export function frameBounds(bounds: { min: Vec3; max: Vec3 }): CameraDescription {
  const center: Vec3 = [
    (bounds.min[0] + bounds.max[0]) / 2,
    (bounds.min[1] + bounds.max[1]) / 2,
    (bounds.min[2] + bounds.max[2]) / 2,
  ];
  const radius =
    Math.hypot(bounds.max[0] - bounds.min[0], bounds.max[1] - bounds.min[1], bounds.max[2] - bounds.min[2]) /
      2 || 1;
  const distance = radius / Math.sin(AUTO_YFOV / 2);
  const dir = normalize([0, 0.25, 1]) as Vec3;
  return {
    position: [center[0] + dir[0] * distance, center[1] + dir[1] * distance, center[2] + dir[2] * distance],
    target: center,
    up: [0, 1, 0],
    yfov: AUTO_YFOV,
  };
}

function nodeCamera(node: GltfNode): CameraDescription {
  const m = node.getWorldMatrix();
  const position: Vec3 = [m[12], m[13], m[14]];
  // The camera looks down its local -Z with +Y up (glTF 2.0 spec, 3.10.1).
  const forward = normalize([-m[8], -m[9], -m[10]]) ?? [0, 0, -1];
  const up = normalize([m[4], m[5], m[6]]) ?? [0, 1, 0];
  const yfov = node.getCamera()?.getYFov() ?? AUTO_YFOV;
  return {
    position,
    target: [position[0] + forward[0], position[1] + forward[1], position[2] + forward[2]],
    up,
    yfov: yfov > 0 && yfov < Math.PI ? yfov : AUTO_YFOV,
  };
}

/**
 * A punctual light placed by `m` (column-major: its node's world matrix, or the matrix into its instance's
 * object space when it moves with `instance`).
 */
function describeLight(light: Light, m: number[], instance: number): PunctualLightDescription {
  const color = light.getColor();
  const intensity = light.getIntensity();
  const type = light.getType() as PunctualLightDescription['type'];
  const spot = type === 'spot';
  // The spec allows range only on point and spot lights, and only positive; anything else means infinite.
  const range = light.getRange();
  const bounded = type !== 'directional' && range !== null && range > 0 && Number.isFinite(range);
  return {
    type,
    position: [m[12] as number, m[13] as number, m[14] as number],
    // Lights shine down their local -Z (KHR_lights_punctual).
    direction: normalize([-(m[8] as number), -(m[9] as number), -(m[10] as number)]) ?? [0, 0, -1],
    intensity: [color[0] * intensity, color[1] * intensity, color[2] * intensity],
    // Point and directional lights get a full sphere (cos = -1), so a cone test never dims them.
    innerConeCos: spot ? Math.cos(light.getInnerConeAngle()) : -1,
    outerConeCos: spot ? Math.cos(light.getOuterConeAngle()) : -1,
    ...(bounded ? { range } : {}),
    ...(instance > 0 ? { instance } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// Materials and textures

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

const WRAP_MODES: Record<number, TextureWrap> = { 10497: 'repeat', 33071: 'clamp', 33648: 'mirror' };
const NEAREST = 9728;

/**
 * One texture slot of a material as a TextureBinding (sampler, UV set, KHR_texture_transform), or null when
 * the slot is empty or its image cannot be used (the table has warned).
 */
function describeBinding(
  texture: Texture | null,
  info: TextureInfo | null,
  textures: TextureTable,
  warnings: Set<string>,
): TextureBinding | null {
  if (!texture || !info) return null;
  const index = textures.indexOf(texture);
  if (index === null) return null;
  const transform = info.getExtension<Transform>('KHR_texture_transform');
  const set = transform?.getTexCoord() ?? info.getTexCoord();
  if (set !== 0 && set !== 1) {
    warnings.add(`Textures using TEXCOORD_${set} are mapped with TEXCOORD_0 (only sets 0 and 1 are kept).`);
  }
  const texCoord = set === 1 ? 1 : 0;
  // KHR_texture_transform: uv' = translation x rotation x scale x (u, v, 1), rotation counter-clockwise in
  // UV space (the extension's matrices, row-major here).
  const [ox, oy] = transform?.getOffset() ?? [0, 0];
  const rotation = transform?.getRotation() ?? 0;
  const [sx, sy] = transform?.getScale() ?? [1, 1];
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  return {
    texture: index,
    texCoord,
    transform: [cos * sx, sin * sy, ox, -sin * sx, cos * sy, oy],
    wrapS: WRAP_MODES[info.getWrapS()] ?? 'repeat',
    wrapT: WRAP_MODES[info.getWrapT()] ?? 'repeat',
    // Magnification decides: with no mip levels, minification is filtered by the samples a pixel averages.
    nearest: info.getMagFilter() === NEAREST,
  };
}

function describeMaterial(
  material: Material,
  textures: TextureTable,
  warnings: Set<string>,
  vertexColors: boolean,
): MaterialDescription {
  const name = material.getName() || 'material';
  const base = material.getBaseColorFactor();
  const strength =
    material.getExtension<EmissiveStrength>('KHR_materials_emissive_strength')?.getEmissiveStrength() ?? 1;
  const emissive = material.getEmissiveFactor();
  // The occlusion texture is left out on purpose, without a warning: ambient occlusion is a rasteriser's
  // stand-in for the shadowing of indirect light, which a path tracer computes by tracing it. Applying the
  // baked map as well would darken creases twice.
  const alphaMode = ({ OPAQUE: 'opaque', MASK: 'mask', BLEND: 'blend' } as const)[material.getAlphaMode()];
  return {
    name,
    baseColor: [clamp01(base[0]), clamp01(base[1]), clamp01(base[2]), clamp01(base[3])],
    baseColorTexture: describeBinding(
      material.getBaseColorTexture(),
      material.getBaseColorTextureInfo(),
      textures,
      warnings,
    ),
    metallic: clamp01(material.getMetallicFactor()),
    roughness: clamp01(material.getRoughnessFactor()),
    metallicRoughnessTexture: describeBinding(
      material.getMetallicRoughnessTexture(),
      material.getMetallicRoughnessTextureInfo(),
      textures,
      warnings,
    ),
    normalTexture: describeBinding(
      material.getNormalTexture(),
      material.getNormalTextureInfo(),
      textures,
      warnings,
    ),
    normalScale: Number.isFinite(material.getNormalScale()) ? material.getNormalScale() : 1,
    emissive: [
      Math.max(0, emissive[0] * strength),
      Math.max(0, emissive[1] * strength),
      Math.max(0, emissive[2] * strength),
    ],
    emissiveTexture: describeBinding(
      material.getEmissiveTexture(),
      material.getEmissiveTextureInfo(),
      textures,
      warnings,
    ),
    alphaMode,
    alphaCutoff: Number.isFinite(material.getAlphaCutoff()) ? material.getAlphaCutoff() : 0.5,
    doubleSided: material.getDoubleSided(),
    vertexColors,
    transmission: clamp01(
      material.getExtension<Transmission>('KHR_materials_transmission')?.getTransmissionFactor() ?? 0,
    ),
    ior: Math.max(1, material.getExtension<IOR>('KHR_materials_ior')?.getIOR() ?? 1.5),
  };
}

/** Decodes each used texture once, enforcing the texture limits as it goes. */
class TextureTable {
  readonly list: TextureDescription[] = [];
  private readonly index = new Map<Texture, number | null>();
  private pixels = 0;

  constructor(
    private readonly limits: SceneLimits,
    private readonly warnings: Set<string>,
    /** Packed bytes of the triangles, to which each texture adds 4 bytes a pixel once decoded on a GPU. */
    private readonly triangleBytes: number,
  ) {}

  /** Index in `list`, or null when the image cannot be used (the material renders untextured). */
  indexOf(texture: Texture): number | null {
    const known = this.index.get(texture);
    if (known !== undefined) return known;
    const result = this.decode(texture);
    this.index.set(texture, result);
    return result;
  }

  private decode(texture: Texture): number | null {
    const name = texture.getName() || texture.getURI() || `texture ${this.index.size}`;
    const image = texture.getImage();
    if (!image) {
      this.warnings.add(`Texture "${name}" has no image data; the material renders without it.`);
      return null;
    }
    const format = imageFormat(image);
    if (!format) {
      this.warnings.add(
        `Texture "${name}" is ${texture.getMimeType() || 'in an unknown format'}; only PNG and JPEG are decoded, so the material renders without it.`,
      );
      return null;
    }
    // The declared size first: nothing is inflated or allocated for an image refused by its header.
    const size = format === 'png' ? pngHeader(image) : jpegSize(image);
    if (!size) throw badImage(name, 'its header is damaged');
    const { maxTextureDimension, maxTextures, maxTexturePixelsTotal } = this.limits;
    if (size.width > maxTextureDimension || size.height > maxTextureDimension) {
      throw new SceneImportError(
        `Texture "${name}" is ${size.width}x${size.height} pixels; the limit is ${maxTextureDimension} on a side.`,
        {
          metaMessages: [
            `Scale it down to at most ${maxTextureDimension}x${maxTextureDimension} and export again.`,
          ],
        },
      );
    }
    if (this.list.length + 1 > maxTextures) {
      throw new SceneImportError(`The scene uses more than ${maxTextures} textures.`, {
        metaMessages: ['Merge textures into an atlas or remove some, then export again.'],
      });
    }
    if (this.pixels + size.width * size.height > maxTexturePixelsTotal) {
      throw new SceneImportError(
        `The textures hold more than ${(maxTexturePixelsTotal / 1024 / 1024).toFixed(0)} Mi pixels in total.`,
        { metaMessages: ['Scale the largest textures down and export again.'] },
      );
    }
    checkPackedSize(this.triangleBytes + (this.pixels + size.width * size.height) * 4, this.limits);

    let rgba: Uint8Array;
    try {
      // Both decoders are bounded by the declared size checked above (lib/scene/decode-image.ts).
      rgba = format === 'png' ? pngToRgba8(decodePngBounded(image)) : decodeJpegBounded(image, size);
    } catch (error) {
      throw badImage(name, errorText(error));
    }
    if (rgba.length !== size.width * size.height * 4)
      throw badImage(name, 'decoded size disagrees with the header');
    this.pixels += size.width * size.height;
    // The file itself goes into the packed scene; contributors decode it with these same decoders.
    this.list.push({ name, width: size.width, height: size.height, rgba, encoded: new Uint8Array(image) });
    return this.list.length - 1;
  }
}

function badImage(name: string, problem: string): SceneImportError {
  return new SceneImportError(`Texture "${name}" could not be decoded: ${problem}.`, {
    metaMessages: ['Re-save the image as an ordinary 8-bit PNG or JPEG and export again.'],
  });
}

/** glTF-Transform wants ArrayBuffer-backed views; copy only views onto a SharedArrayBuffer. */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
