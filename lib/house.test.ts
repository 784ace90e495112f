import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The house rule of lib/ (docs/architecture.md): it is cut by pipeline stage, and a stage imports only the
 * stages before it in this list, so data flows one way, from the wire protocol to the composition root.
 */
const STAGES = [
  'protocol', // wire: types, schemas, errors, result layout, signatures, limits
  'config', // the environment, validated once: every variable's type, default and doc
  'scene', // glTF import, BVH, packed scene files
  'render', // WebGPU path tracer host, tone mapping, image formats
  'chain', // contract artifacts, local chain, escrow client
  'coordinator', // the runtime every server operation runs in: context, config, db, http glue, limits, events
  'ledger', // credits: the only writer and reader
  'verification', // spot checks, classifiers, policy, contributor records: verdicts, never credit
  'settlement', // deposits, settlements, claims, payout addresses
  'work', // job planning, unit sizing, leasing, submission: applies verdicts
  'instance', // this process's coordinator: opens the database, starts the loops
  'client', // the HTTP API client: wire to domain, once
  'wallet', // wagmi config and wallet errors
  'contributor', // the contributor's loop, store, duty cycle, session key
  'dashboard', // the requestor's rules: progress, ETA, verification view, scene files
  'testing', // test context, stand-in renderer, farms, crash children
] as const;

const root = resolve(import.meta.dirname, '..');
const lib = join(root, 'lib');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

function stageOf(path: string): string {
  const [first] = relative(lib, path).split('/');
  return first ?? '';
}

/** Relative and `@/` imports of a file, resolved to repository paths under lib/ (others are left out). */
function libImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specs = [...source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
  return specs.flatMap((spec) => {
    const base = spec.startsWith('@/')
      ? join(root, spec.slice(2))
      : spec.startsWith('.')
        ? resolve(dirname(file), spec)
        : null;
    if (!base?.startsWith(`${lib}/`)) return [];
    for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
      try {
        if (statSync(candidate).isFile()) return [candidate];
      } catch {}
    }
    return [];
  });
}

const files = sourceFiles(lib).filter((f) => !f.endsWith('house.test.ts'));

describe('the house', () => {
  it('has every folder of lib/ in the stage list', () => {
    const folders = readdirSync(lib).filter((name) => statSync(join(lib, name)).isDirectory());
    expect(folders.filter((f) => !(STAGES as readonly string[]).includes(f))).toEqual([]);
  });

  it('imports only from earlier stages (tests may reach any stage: they drive the whole pipeline)', () => {
    const backwards: string[] = [];
    for (const file of files) {
      const from = STAGES.indexOf(stageOf(file) as (typeof STAGES)[number]);
      if (file.endsWith('.test.ts')) continue;
      for (const target of libImports(file)) {
        const to = STAGES.indexOf(stageOf(target) as (typeof STAGES)[number]);
        if (to > from) {
          backwards.push(`${relative(root, file)} -> ${relative(root, target)}`);
        }
      }
    }
    expect(backwards).toEqual([]);
  });

  it('has no import cycles', () => {
    const graph = new Map(files.map((f) => [f, libImports(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(root, f)).join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
