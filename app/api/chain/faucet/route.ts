import { coordinator } from '@/lib/server/coordinator';
import { readJson, withErrors } from '@/lib/server/http';
import { localFaucet } from '@/lib/server/payments/faucet';

export const dynamic = 'force-dynamic';

export const POST = withErrors(async (request: Request) =>
  Response.json(await localFaucet(await coordinator(), await readJson(request))),
);
