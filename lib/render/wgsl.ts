/**
 * A tiny WGSL include resolver. Shader files name their dependencies with `//#include file.wgsl` lines;
 * `resolveWgsl` inlines each named file once, depth first, so shared structs and helpers live in one file.
 */
export type WgslSources = Readonly<Record<string, string>>;

const INCLUDE = /^\s*\/\/#include\s+(\S+)\s*$/;

export function resolveWgsl(entry: string, sources: WgslSources): string {
  const included = new Set<string>();
  const out: string[] = [];
  const visit = (name: string, from: string) => {
    if (included.has(name)) return;
    const code = sources[name];
    if (code === undefined)
      throw new Error(`WGSL include "${name}" (from ${from}) is not a known shader file`);
    included.add(name);
    const body: string[] = [];
    for (const line of code.split('\n')) {
      const match = INCLUDE.exec(line);
      if (match?.[1]) visit(match[1], name);
      else body.push(line);
    }
    out.push(`// ---- ${name} ----`, ...body);
  };
  visit(entry, entry);
  return out.join('\n');
}
