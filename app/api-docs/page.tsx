import type { Metadata } from 'next';
import { API_ROUTES, type ApiRoute } from '../../lib/protocol/api-routes';
import { openApiDocument } from '../../lib/protocol/openapi';

export const metadata: Metadata = { title: 'API' };

type Operation = {
  parameters?: { name: string; in: string; required: boolean; description?: string; schema: unknown }[];
  requestBody?: { description: string; content: Record<string, { schema?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
};

const TAGS = ['Jobs', 'Images', 'Scenes', 'Work', 'Contributors', 'Payments', 'API'] as const;

function anchor(route: ApiRoute): string {
  return `${route.method}-${route.path.replace(/[^a-z0-9]+/gi, '-')}`.replace(/-+$/, '');
}

/** A schema's type in a word or two: `integer 1–1024`, `string`. */
function typeOf(schema: unknown): string {
  const s = schema as { type?: string; minimum?: number; maximum?: number; pattern?: string };
  const range =
    s.minimum !== undefined || s.maximum !== undefined ? ` ${s.minimum ?? ''}–${s.maximum ?? ''}` : '';
  return `${s.type ?? 'any'}${range}${s.pattern ? ` matching ${s.pattern}` : ''}`;
}

/**
 * The API, read from the same OpenAPI document GET /api/openapi.json serves (lib/protocol/openapi.ts): a
 * server-rendered page of headings, tables and schemas, with no script of its own.
 */
export default function ApiDocsPage() {
  const document = openApiDocument();
  return (
    <div className="stack api-docs">
      <header className="page-head">
        <h1>API</h1>
        <p className="lead">
          Everything the dashboard and the contribute page do goes through this HTTP API: submit jobs, follow
          them, download their images, or render for the farm. Every endpoint is public. Errors are JSON{' '}
          <code>{'{ error, message, next, details? }'}</code> with what to do next.
        </p>
        <p>
          The machine-readable description: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).
        </p>
      </header>

      <section className="card" aria-labelledby="cli-title">
        <h2 id="cli-title">From a script</h2>
        <p>The command line renders a scene on the farm and writes the image, format by extension:</p>
        <pre className="api-docs__code">
          <code>
            npm run lumengrid -- submit scene.glb --width 256 --height 256 --spp 64 --wait --out image.exr
          </code>
        </pre>
        <p>
          <code>status JOB_ID [--wait]</code> and <code>download JOB_ID --out image.pfm</code> follow an
          existing job; <code>--url</code> names the coordinator (default http://localhost:3000).
        </p>
      </section>

      <nav className="card" aria-labelledby="api-index-title">
        <h2 id="api-index-title">Endpoints</h2>
        <ul className="api-docs__index">
          {API_ROUTES.map((route) => (
            <li key={anchor(route)}>
              <a href={`#${anchor(route)}`}>
                <span className="api-docs__method">{route.method.toUpperCase()}</span> {route.path}
              </a>{' '}
              <span className="hint">{route.summary}</span>
            </li>
          ))}
        </ul>
      </nav>

      {TAGS.map((tag) => (
        <section key={tag} aria-labelledby={`tag-${tag}`} className="stack">
          <h2 id={`tag-${tag}`}>{tag}</h2>
          {API_ROUTES.filter((route) => route.tag === tag).map((route) => {
            const op = (document.paths[route.path] as Record<string, Operation>)[route.method] as Operation;
            return (
              <article key={anchor(route)} id={anchor(route)} className="card api-docs__op">
                <h3>
                  <span className="api-docs__method">{route.method.toUpperCase()}</span>{' '}
                  <code>{route.path}</code>
                </h3>
                <p>
                  <strong>{route.summary}.</strong> {route.description}
                </p>
                {op.parameters?.length ? (
                  <table className="data-table api-docs__table">
                    <caption>Parameters</caption>
                    <thead>
                      <tr>
                        <th scope="col">Name</th>
                        <th scope="col">In</th>
                        <th scope="col">Type</th>
                        <th scope="col">About</th>
                      </tr>
                    </thead>
                    <tbody>
                      {op.parameters.map((p) => (
                        <tr key={`${p.in}-${p.name}`}>
                          <th scope="row">
                            <code>{p.name}</code>
                            {p.required ? ' (required)' : ''}
                          </th>
                          <td>{p.in}</td>
                          <td>{typeOf(p.schema)}</td>
                          <td>{p.description ?? ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : null}
                {op.requestBody ? (
                  <div>
                    <h4>Request body</h4>
                    {Object.entries(op.requestBody.content).map(([type, media]) => (
                      <div key={type}>
                        <p>
                          <code>{type}</code>: {op.requestBody?.description}
                        </p>
                        {media.schema ? (
                          <details>
                            <summary>Schema</summary>
                            <pre className="api-docs__code">
                              <code>{JSON.stringify(media.schema, null, 2)}</code>
                            </pre>
                          </details>
                        ) : null}
                      </div>
                    ))}
                  </div>
                ) : null}
                <h4>Answers</h4>
                <dl className="api-docs__answers">
                  {Object.entries(op.responses).map(([status, answer]) => (
                    <div key={status}>
                      <dt>{status}</dt>
                      <dd>
                        {answer.description}
                        {answer.content ? (
                          <>
                            {' '}
                            <code>{Object.keys(answer.content).join(', ')}</code>
                          </>
                        ) : null}
                      </dd>
                    </div>
                  ))}
                </dl>
              </article>
            );
          })}
        </section>
      ))}
    </div>
  );
}
