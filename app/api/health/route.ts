import { health } from '@/lib/coordinator/operator-routes';
import { coordinator } from '@/lib/instance/coordinator';

export const dynamic = 'force-dynamic';

export async function GET() {
  const { status, body } = await health(coordinator);
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}
