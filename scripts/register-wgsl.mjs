// Use as `node --import tsx --import ./scripts/register-wgsl.mjs script.ts`.
import { register } from 'node:module';

register('./wgsl-hooks.mjs', import.meta.url);
