/**
 * The byte layout of the path tracer's per-dispatch `Params` uniform: the one definition that
 * lib/render/path-tracer.ts writes the buffer from and shaders/params.wgsl's `struct Params` must match
 * (params-layout.test.ts parses the shader and checks it, field by field, under WGSL's uniform layout rules).
 * To change the uniform, change PARAMS_FIELDS and the struct together; the test names any disagreement.
 */

/** The WGSL types the uniform uses, with their uniform-address-space alignment and size (WGSL §13.4.1). */
export const WGSL_TYPES = {
  u32: { align: 4, size: 4, components: 1, scalar: 'u32' },
  f32: { align: 4, size: 4, components: 1, scalar: 'f32' },
  vec2u: { align: 8, size: 8, components: 2, scalar: 'u32' },
  vec3f: { align: 16, size: 12, components: 3, scalar: 'f32' },
} as const;

export type ParamsFieldType = keyof typeof WGSL_TYPES;

export interface ParamsField {
  name: string;
  type: ParamsFieldType;
  /** Byte offset in the uniform: the WGSL offset of the member (checked against the rules by the test). */
  offset: number;
}

/** The members of `struct Params`, in order, with their byte offsets. */
export const PARAMS_FIELDS = [
  { name: 'image_size', type: 'vec2u', offset: 0 },
  { name: 'region_origin', type: 'vec2u', offset: 8 },
  { name: 'region_size', type: 'vec2u', offset: 16 },
  { name: 'sample_start', type: 'u32', offset: 24 },
  { name: 'sample_count', type: 'u32', offset: 28 },
  { name: 'seed', type: 'u32', offset: 32 },
  { name: 'max_bounces', type: 'u32', offset: 36 },
  { name: 'light_count', type: 'u32', offset: 40 },
  { name: 'punctual_count', type: 'u32', offset: 44 },
  { name: 'camera_position', type: 'vec3f', offset: 48 },
  { name: 'environment_type', type: 'u32', offset: 60 },
  { name: 'camera_right', type: 'vec3f', offset: 64 },
  { name: 'emissive_power', type: 'f32', offset: 76 },
  { name: 'camera_up', type: 'vec3f', offset: 80 },
  { name: 'texel_base', type: 'u32', offset: 92 },
  { name: 'camera_forward', type: 'vec3f', offset: 96 },
  { name: 'pixel_list_length', type: 'u32', offset: 108 },
  { name: 'environment_a', type: 'vec3f', offset: 112 },
  { name: 'lens_radius', type: 'f32', offset: 124 },
  { name: 'environment_b', type: 'vec3f', offset: 128 },
  { name: 'focus_distance', type: 'f32', offset: 140 },
  { name: 'environment_c', type: 'vec3f', offset: 144 },
  { name: 'pixel_filter', type: 'u32', offset: 156 },
  { name: 'environment_map_size', type: 'vec2u', offset: 160 },
  { name: 'environment_rotation', type: 'f32', offset: 168 },
  { name: 'punctual_base', type: 'u32', offset: 172 },
  { name: 'instance_count', type: 'u32', offset: 176 },
  { name: 'instance_order_base', type: 'u32', offset: 180 },
  { name: 'instance_slot_base', type: 'u32', offset: 184 },
  { name: '_pad1', type: 'u32', offset: 188 },
] as const satisfies readonly ParamsField[];

export type ParamsFieldName = (typeof PARAMS_FIELDS)[number]['name'];

/** Bytes of the Params uniform: the struct's size under WGSL's uniform layout rules. */
export const PARAMS_BYTES = structLayout(PARAMS_FIELDS.map(({ name, type }) => ({ name, type }))).size;

/**
 * Offsets and size of a struct under WGSL's layout rules for the uniform address space: each member at the
 * next multiple of its alignment, the struct's size a multiple of its alignment, which is at least 16.
 */
export function structLayout(members: readonly { name: string; type: ParamsFieldType }[]): {
  fields: ParamsField[];
  size: number;
} {
  const roundUp = (k: number, n: number) => Math.ceil(n / k) * k;
  let offset = 0;
  let align = 16;
  const fields = members.map(({ name, type }) => {
    const t = WGSL_TYPES[type];
    offset = roundUp(t.align, offset);
    const field = { name, type, offset };
    offset += t.size;
    align = Math.max(align, t.align);
    return field;
  });
  return { fields, size: roundUp(align, offset) };
}

type ValueOf<T extends ParamsFieldType> = T extends 'vec2u'
  ? readonly [number, number]
  : T extends 'vec3f'
    ? readonly [number, number, number]
    : number;

type FieldTypeOf<N extends ParamsFieldName> = Extract<(typeof PARAMS_FIELDS)[number], { name: N }>['type'];

const FIELD_BY_NAME = new Map<string, ParamsField>(PARAMS_FIELDS.map((f) => [f.name, f]));

/** A Params buffer (zeroed) and a setter that writes each field at its offset, as its WGSL scalar type. */
export function paramsWriter(): {
  buffer: ArrayBuffer;
  set<N extends ParamsFieldName>(name: N, value: ValueOf<FieldTypeOf<N>>): void;
} {
  const buffer = new ArrayBuffer(PARAMS_BYTES);
  const u = new Uint32Array(buffer);
  const f = new Float32Array(buffer);
  return {
    buffer,
    set(name, value) {
      const field = FIELD_BY_NAME.get(name) as ParamsField;
      const words = WGSL_TYPES[field.type].scalar === 'u32' ? u : f;
      const at = field.offset / 4;
      if (typeof value === 'number') words[at] = value;
      else words.set(value, at);
    },
  };
}
