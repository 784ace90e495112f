import { describe, expect, it } from 'vitest';
import { resolveWgsl } from './wgsl';

describe('resolveWgsl', () => {
  it('inlines each included file once, dependencies first', () => {
    const code = resolveWgsl('main.wgsl', {
      'main.wgsl': '//#include a.wgsl\n//#include b.wgsl\nfn main() {}',
      'a.wgsl': '//#include b.wgsl\nfn a() {}',
      'b.wgsl': 'fn b() {}',
    });
    const order = ['fn b()', 'fn a()', 'fn main()'].map((s) => code.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(code.split('fn b()').length - 1).toBe(1);
  });

  it('names the missing file and who asked for it', () => {
    expect(() => resolveWgsl('main.wgsl', { 'main.wgsl': '//#include nope.wgsl' })).toThrow(
      /"nope.wgsl" \(from main.wgsl\)/,
    );
  });
});
