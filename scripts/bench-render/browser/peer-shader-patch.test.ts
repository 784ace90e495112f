import * as peer from 'three-gpu-pathtracer';
import { describe, expect, it } from 'vitest';
import {
  PEER_SHADOW_RAY_FIX,
  PEER_SHADOW_RAY_LINE,
  PEER_SIDEDNESS_FIX,
  PEER_SIDEDNESS_LINE,
  patchedPeerShader,
} from './peer-shader-patch';

// Exported by the package at run time, left out of its type declarations.
const { PhysicalPathTracingMaterial } = peer as unknown as {
  PhysicalPathTracingMaterial: new () => { fragmentShader: string };
};

describe("the peer's shadow-ray patch", () => {
  it('applies to the installed three-gpu-pathtracer: its two lines replaced, nothing else', () => {
    const source = new PhysicalPathTracingMaterial().fragmentShader;
    const patched = patchedPeerShader(source);
    expect(patched).not.toContain(PEER_SHADOW_RAY_LINE);
    expect(patched).not.toContain(PEER_SIDEDNESS_LINE);
    expect(patched.split(PEER_SHADOW_RAY_FIX).length).toBe(2);
    expect(patched.split(PEER_SIDEDNESS_FIX).length).toBe(source.split(PEER_SIDEDNESS_FIX).length + 1);
    expect(patched.length - source.length).toBe(PEER_SHADOW_RAY_FIX.length - PEER_SHADOW_RAY_LINE.length);
  });

  it('refuses a shader without the line (another peer version must be looked at again)', () => {
    expect(() => patchedPeerShader('void main() {}')).toThrow(/not in its shader/);
  });
});
