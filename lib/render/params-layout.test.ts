import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PARAMS_BYTES,
  PARAMS_FIELDS,
  type ParamsFieldType,
  paramsWriter,
  structLayout,
  WGSL_TYPES,
} from './params-layout';

const SHADER = readFileSync(new URL('../../shaders/params.wgsl', import.meta.url), 'utf8');

interface WgslMember {
  name: string;
  type: string;
  /** The `// offset N` comment written beside the member, if any. */
  commentOffset: number | null;
}

/** The members of `struct <name>` in a WGSL source, in order (one member a line, as params.wgsl has them). */
function parseStruct(source: string, name: string): WgslMember[] {
  const body = new RegExp(`struct\\s+${name}\\s*\\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
  if (body === undefined) throw new Error(`no struct ${name} in the shader`);
  return body
    .split('\n')
    .map((line) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z0-9_<>]+)\s*,?\s*(?:\/\/(.*))?$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      const offset = /offset\s+(\d+)/.exec(m[3] ?? '')?.[1];
      return {
        name: m[1] ?? '',
        type: m[2] ?? '',
        commentOffset: offset === undefined ? null : Number(offset),
      };
    });
}

const members = parseStruct(SHADER, 'Params');

describe('the Params uniform layout', () => {
  it('finds the struct’s members in shaders/params.wgsl', () => {
    expect(members.length).toBeGreaterThan(10);
    for (const m of members) expect(Object.keys(WGSL_TYPES), `type of ${m.name}`).toContain(m.type);
  });

  it('names the same members, in the same order, with the same types as the shader', () => {
    expect(PARAMS_FIELDS.map(({ name, type }) => ({ name, type }))).toEqual(
      members.map(({ name, type }) => ({ name, type })),
    );
  });

  it('puts every member at its WGSL uniform offset, and is as large as the struct', () => {
    const wgsl = structLayout(members.map((m) => ({ name: m.name, type: m.type as ParamsFieldType })));
    for (const [i, field] of PARAMS_FIELDS.entries()) {
      expect(field.offset, field.name).toBe(wgsl.fields[i]?.offset);
    }
    expect(PARAMS_BYTES).toBe(wgsl.size);
    expect(PARAMS_BYTES).toBe(192);
  });

  it('agrees with the offsets and the size written in the shader’s comments', () => {
    for (const m of members) {
      expect(m.commentOffset, `offset comment of ${m.name}`).not.toBeNull();
      expect(PARAMS_FIELDS.find((f) => f.name === m.name)?.offset, m.name).toBe(m.commentOffset);
    }
    expect(SHADER).toContain(`// ${PARAMS_BYTES} bytes.`);
  });

  it('leaves no byte unaccounted for and overlaps nothing', () => {
    const owner = new Array<string | null>(PARAMS_BYTES).fill(null);
    for (const f of PARAMS_FIELDS) {
      for (let b = f.offset; b < f.offset + WGSL_TYPES[f.type].size; b++) {
        expect(owner[b], `byte ${b}`).toBeNull();
        owner[b] = f.name;
      }
    }
    expect(owner.filter((o) => o === null)).toEqual([]);
  });
});

describe('structLayout (WGSL uniform rules)', () => {
  it('packs a scalar into the last 4 bytes of a vec3f and aligns a vec3f to 16', () => {
    const layout = structLayout([
      { name: 'a', type: 'u32' },
      { name: 'b', type: 'vec3f' },
      { name: 'c', type: 'f32' },
      { name: 'd', type: 'vec2u' },
      { name: 'e', type: 'u32' },
    ]);
    expect(layout.fields.map((f) => f.offset)).toEqual([0, 16, 28, 32, 40]);
    expect(layout.size).toBe(48);
  });

  it('rounds a struct of scalars up to 16 bytes', () => {
    expect(structLayout([{ name: 'a', type: 'u32' }]).size).toBe(16);
  });
});

describe('paramsWriter', () => {
  it('writes each field at its offset as its scalar type, leaving the rest zero', () => {
    const params = paramsWriter();
    params.set('image_size', [640, 480]);
    params.set('seed', 0xffff_fffe);
    params.set('camera_position', [1.5, -2, 3.25]);
    params.set('emissive_power', 0.5);
    params.set('pixel_list_length', 7);
    const view = new DataView(params.buffer);
    expect(params.buffer.byteLength).toBe(PARAMS_BYTES);
    expect([view.getUint32(0, true), view.getUint32(4, true)]).toEqual([640, 480]);
    expect(view.getUint32(32, true)).toBe(0xffff_fffe);
    expect([48, 52, 56].map((o) => view.getFloat32(o, true))).toEqual([1.5, -2, 3.25]);
    expect(view.getFloat32(76, true)).toBe(0.5);
    expect(view.getUint32(108, true)).toBe(7);
    expect(view.getUint32(60, true)).toBe(0);
    expect(view.getUint32(156, true)).toBe(0);
  });
});
