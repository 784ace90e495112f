import { clientOrigin } from '@/lib/coordinator/client-origin';
import { readJson, withErrors } from '@/lib/coordinator/http';
import { originKey, takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { localFaucet } from '@/lib/settlement/faucet';

export const dynamic = 'force-dynamic';

export const POST = withErrors(async (request: Request) => {
  await takeRateLimit(
    await coordinator(),
    'walletPerOrigin',
    originKey(clientOrigin(request)),
    'faucet requests',
  );
  return Response.json(await localFaucet(await coordinator(), await readJson(request)));
});
