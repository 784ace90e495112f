import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // WGSL shaders are imported as strings and joined by lib/render/wgsl.ts.
  turbopack: { rules: { '*.wgsl': { type: 'raw' } } },
  // PGlite ships its own WASM and data files; bundling it breaks their lookup. pg loads optional native code.
  serverExternalPackages: ['@electric-sql/pglite', 'pg'],
  poweredByHeader: false,
  // `npm test` type-checks the whole project with tsc before it builds; checking again here doubles the work.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
