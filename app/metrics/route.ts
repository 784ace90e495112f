import { coordinatorMetrics } from '@/lib/coordinator/metrics';
import { metricsResponse } from '@/lib/coordinator/operator-routes';
import { coordinator } from '@/lib/instance/coordinator';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  return metricsResponse(request, coordinatorMetrics(coordinator));
}
