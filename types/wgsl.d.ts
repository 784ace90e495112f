// WGSL sources are bundled as plain strings (next.config.ts turbopack rule, vitest.config.ts plugin).
declare module '*.wgsl' {
  const code: string;
  export default code;
}
