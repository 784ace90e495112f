import { z } from 'zod';
import { API_ROUTES, type ApiAnswer, type ApiRoute, ErrorBodySchema } from './api-routes';

/**
 * The OpenAPI 3.1 document of the coordinator's API, generated from the route list (api-routes.ts): request
 * schemas by zod's own JSON Schema output (OpenAPI 3.1 schemas are JSON Schema 2020-12), for the input side
 * of each schema (defaults make a field optional to the caller).
 */

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

const HTTP_STATUS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
};

function answer(a: ApiAnswer) {
  const out: Record<string, unknown> = {
    description: a.type ? `${a.description} (${a.type})` : a.description,
  };
  if (a.contentType) {
    const media: JsonSchema = {};
    if (a.schema === ErrorBodySchema) media.schema = { $ref: '#/components/schemas/Error' };
    else if (a.schema) media.schema = jsonSchema(a.schema);
    if (a.type) media['x-lumengrid-type'] = a.type;
    out.content = { [a.contentType]: media };
  }
  return out;
}

function operation(route: ApiRoute) {
  const parameters: JsonSchema[] = [];
  for (const [name, schema] of Object.entries(route.params ?? {})) {
    parameters.push({ name, in: 'path', required: true, schema: jsonSchema(schema) });
  }
  for (const [name, schema] of Object.entries(route.query?.shape ?? {})) {
    const property = jsonSchema(schema as z.ZodType);
    const { description, ...rest } = property;
    parameters.push({
      name,
      in: 'query',
      required: !(schema as z.ZodType).safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: rest,
    });
  }
  for (const [name, header] of Object.entries(route.headers ?? {})) {
    parameters.push({
      name,
      in: 'header',
      required: header.required ?? false,
      description: header.description,
      schema: { type: 'string' },
    });
  }
  const op: JsonSchema = {
    operationId: operationId(route),
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    responses: Object.fromEntries(Object.entries(route.answers).map(([status, a]) => [status, answer(a)])),
  };
  if (route.body) {
    op.requestBody = {
      required: true,
      description: route.body.description,
      content: {
        [route.body.contentType]: route.body.schema ? { schema: jsonSchema(route.body.schema) } : {},
      },
    };
  }
  return op;
}

/** `get /api/jobs/{id}/image.png` → `getJobsIdImagePng`: stable names for generated clients. */
function operationId(route: ApiRoute): string {
  const words = route.path
    .replace(/^\/api\//, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return route.method + words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('');
}

export function openApiDocument(routes: ApiRoute[] = API_ROUTES) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lumengrid coordinator API',
      version: '1',
      description:
        'Submit render jobs, follow them and download their images; lease and submit work as a contributor. Every endpoint is public; errors are JSON { error, message, next, details? }.',
    },
    paths,
    components: { schemas: { Error: jsonSchema(ErrorBodySchema) } },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
export { HTTP_STATUS };
