import { coordinator } from '@/lib/server/coordinator';
import { withErrors } from '@/lib/server/http';
import { chainInfo } from '@/lib/server/payments/chain-info';

export const dynamic = 'force-dynamic';

export const GET = withErrors(async () => Response.json(await chainInfo(await coordinator())));
