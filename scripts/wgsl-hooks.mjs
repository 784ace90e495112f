// Node module hooks: a `.wgsl` import evaluates to its source text, the contract next.config.ts (turbopack)
// and vitest.config.ts give the bundlers. Registered by scripts/register-wgsl.mjs.
import { readFile } from 'node:fs/promises';

export async function load(url, context, nextLoad) {
  if (url.endsWith('.wgsl')) {
    const code = await readFile(new URL(url), 'utf8');
    return { format: 'module', shortCircuit: true, source: `export default ${JSON.stringify(code)};` };
  }
  return nextLoad(url, context);
}
