import { timingSafeEqual } from 'node:crypto';
import { serverConfig } from '../config/server-config';
import type { CoordinatorContext } from './context';
import type { CoordinatorMetrics } from './metrics';

/**
 * GET /api/health: whether this instance can serve: the database answers, and the chain does where payments
 * are on. 200 when it can, 503 when the database is down (a load balancer takes the instance out). The chain
 * is reported, not required: work goes on while it is down, settlements wait. No secrets, two round trips,
 * each bounded by `timeoutMs`.
 */
export async function health(
  ctx: () => Promise<CoordinatorContext>,
  timeoutMs = 2_000,
): Promise<{
  status: 200 | 503;
  body: { database: 'ok' | 'unavailable'; chain: 'ok' | 'unavailable' | 'off' };
}> {
  let context: CoordinatorContext | null = null;
  const database = await within(timeoutMs, async () => {
    context = await ctx();
    await context.db.query('SELECT 1');
  });
  const payments = (context as CoordinatorContext | null)?.payments;
  const chain = payments
    ? (await within(timeoutMs, () => payments.escrow.publicClient.getBlockNumber()))
      ? 'ok'
      : 'unavailable'
    : 'off';
  return {
    status: database ? 200 : 503,
    body: { database: database ? 'ok' : 'unavailable', chain },
  };
}

async function within(ms: number, work: () => Promise<unknown>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /metrics, for Prometheus. It tells how busy the farm is and costs a few counts over the database, so
 * it is for the operator only: served with `Authorization: Bearer <LUMENGRID_METRICS_TOKEN>`, 401 with a
 * wrong token, and 404 with the next step when no token is configured.
 */
export async function metricsResponse(
  request: Request,
  metrics: CoordinatorMetrics,
  token: string | undefined = serverConfig().LUMENGRID_METRICS_TOKEN,
): Promise<Response> {
  const text = (status: number, message: string) =>
    new Response(`${message}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  if (!token)
    return text(404, 'Metrics are off: set LUMENGRID_METRICS_TOKEN and scrape with that bearer token.');
  const given = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    return text(401, 'Send Authorization: Bearer <LUMENGRID_METRICS_TOKEN>.');
  }
  return new Response(await metrics.registry.metrics(), {
    headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
  });
}
