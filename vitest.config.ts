import { readFile } from 'node:fs/promises';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    {
      // Same contract as the turbopack rule in next.config.ts: a .wgsl import is its source text.
      name: 'wgsl-raw',
      async load(id) {
        if (!id.endsWith('.wgsl')) return null;
        return `export default ${JSON.stringify(await readFile(id, 'utf8'))};`;
      },
    },
  ],
  resolve: { alias: { '@': new URL('.', import.meta.url).pathname } },
  test: {
    include: ['lib/**/*.test.ts', 'scripts/**/*.test.ts', 'contracts/**/*.test.ts'],
    testTimeout: 30_000,
    // Opening an embedded database takes ~2 s, much more on a loaded 2-core machine.
    hookTimeout: 60_000,
  },
});
