import { withErrors } from '@/lib/coordinator/http';
import { openApiDocument } from '@/lib/protocol/openapi';

export const dynamic = 'force-static';

/** The API's OpenAPI 3.1 document, generated from the route list (lib/protocol/api-routes.ts). */
export const GET = withErrors(async () => Response.json(openApiDocument()));
