import { withErrors } from '@/lib/coordinator/http';
import { operatorSessionResponse } from '@/lib/coordinator/operator-session';
import { coordinator } from '@/lib/instance/coordinator';

export const dynamic = 'force-dynamic';

/** The operator page's sign-in and sign-out form (lib/coordinator/operator-session.ts). */
export const POST = withErrors(async (request: Request) =>
  operatorSessionResponse(request, await coordinator()),
);
