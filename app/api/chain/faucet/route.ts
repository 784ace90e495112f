import { coordinator } from '@/lib/server/coordinator';
import { clientOrigin, readJson, withErrors } from '@/lib/server/http';
import { localFaucet } from '@/lib/server/payments/faucet';
import { limiter, originKey } from '@/lib/server/rate-limit';

export const dynamic = 'force-dynamic';

export const POST = withErrors(async (request: Request) => {
  limiter('walletPerOrigin').take(originKey(clientOrigin(request)), 'faucet requests');
  return Response.json(await localFaucet(await coordinator(), await readJson(request)));
});
