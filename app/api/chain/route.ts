import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { chainInfo } from '@/lib/settlement/chain-info';

export const dynamic = 'force-dynamic';

export const GET = withErrors(async () => Response.json(await chainInfo(await coordinator())));
