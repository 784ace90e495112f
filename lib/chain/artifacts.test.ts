import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('contract artifacts', () => {
  it('are what solc makes of contracts/ today (run `npm run contracts:build` after changing a contract)', () => {
    const script = fileURLToPath(new URL('../../scripts/contracts/compile.mjs', import.meta.url));
    const output = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(output).toMatch(/artifacts up to date/);
  }, 120_000);
});
