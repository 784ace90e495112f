import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from './api-routes';
import { JobRequestSchema } from './job-spec';
import { openApiDocument } from './openapi';

const apiDir = resolve(import.meta.dirname, '../../app/api');

/** Every `route.ts` under app/api with the methods it exports, as `get /api/jobs/{id}`. */
function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return routeFiles(path);
    if (name !== 'route.ts') return [];
    const urlPath = `/api/${relative(apiDir, dir)}`.replace(/\[([^\]]+)\]/g, '{$1}').replace(/\/$/, '');
    const source = readFileSync(path, 'utf8');
    const methods = [
      ...source.matchAll(
        /export\s+(?:const|async\s+function|function)\s+(GET|POST|PUT|PATCH|DELETE|HEAD)\b/g,
      ),
    ].map((m) => (m[1] as string).toLowerCase());
    return methods.map((method) => `${method} ${urlPath}`);
  });
}

describe('the OpenAPI document', () => {
  const document = openApiDocument();
  const described = Object.entries(document.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method} ${path}`),
  );

  it('describes every route under app/api, and no route that is not there', () => {
    const served = routeFiles(apiDir);
    expect(served.length).toBeGreaterThan(15);
    expect(
      served.filter((r) => !described.includes(r)),
      'routes missing from lib/protocol/api-routes.ts',
    ).toEqual([]);
    expect(
      described.filter((r) => !served.includes(r)),
      'described routes with no route file',
    ).toEqual([]);
    expect(new Set(described).size).toBe(API_ROUTES.length);
  });

  it('names every path parameter of every route', () => {
    for (const route of API_ROUTES) {
      const inPath = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(Object.keys(route.params ?? {}), route.path).toEqual(inPath);
    }
  });

  it('gives a job request the schema POST /api/jobs validates with', () => {
    const body = document.paths['/api/jobs']?.post as {
      requestBody: {
        content: { 'application/json': { schema: { required: string[]; properties: object } } };
      };
    };
    const schema = body.requestBody.content['application/json'].schema;
    // Defaults (maxBounces, confidence, redundancy) are optional to the caller.
    expect(schema.required.sort()).toEqual(['height', 'samplesPerPixel', 'scene', 'width']);
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(JobRequestSchema.shape).sort());
  });

  it('gives the image query its bounds', () => {
    const op = document.paths['/api/jobs/{id}/image.png']?.get as {
      parameters: { name: string; in: string; schema: { maximum?: number } }[];
    };
    const maxSize = op.parameters.find((p) => p.name === 'maxSize');
    expect(maxSize?.in).toBe('query');
    expect(maxSize?.schema.maximum).toBe(1024);
  });
});
