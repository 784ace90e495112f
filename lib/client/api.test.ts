import { describe, expect, it } from 'vitest';
import type { Lease } from '../protocol/api-types';
import { ApiError, leaseWork, submitResult } from './api';

function fakeFetch(response: Response, seen: Request[] = []): typeof fetch {
  return async (input, init) => {
    seen.push(new Request(new URL(String(input), 'http://test'), init));
    return response;
  };
}

describe('client api', () => {
  it('turns a 4xx body into an error that reads as the message and the next steps', async () => {
    const body = { error: 'LeaseError', message: 'Lease expired', next: ['Lease another unit.'] };
    const error = await submitResult({ leaseId: 'l1' }, 's1', new Float32Array(5), {
      fetch: fakeFetch(Response.json(body, { status: 409 })),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'LeaseError', shortMessage: 'Lease expired' });
    expect((error as ApiError).message).toBe('Lease expired\nLease another unit.');
  });

  it('names the status when the error body is not JSON', async () => {
    const error = await leaseWork('s1', {
      fetch: fakeFetch(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })),
    }).catch((e: unknown) => e);
    expect((error as ApiError).message).toBe('The server answered 502 Bad Gateway');
  });

  it('reads 204 as "no work"', async () => {
    expect(await leaseWork('s1', { fetch: fakeFetch(new Response(null, { status: 204 })) })).toBeNull();
  });

  it('sends the verifier token header only when given one', async () => {
    const seen: Request[] = [];
    const noWork = () => fakeFetch(new Response(null, { status: 204 }), seen);
    await leaseWork('verifier-1', { fetch: noWork(), verifierToken: 'operator-token' });
    await leaseWork('tab-1', { fetch: noWork() });
    expect(seen.map((r) => r.headers.get('x-lumengrid-verifier-token'))).toEqual(['operator-token', null]);
    expect(seen[0]?.headers.get('content-type')).toBe('application/json');
  });

  it('submits the float32 bytes with the session header', async () => {
    const seen: Request[] = [];
    const receipt = { accepted: true, duplicate: false, job: {} };
    const data = new Float32Array([1, 2, 3, 4, 5]);
    const lease = { leaseId: 'a/b' } as Pick<Lease, 'leaseId'>;
    await submitResult(lease, 'session-1', data, { fetch: fakeFetch(Response.json(receipt), seen) });
    const request = seen[0] as Request;
    expect(request.method).toBe('PUT');
    expect(new URL(request.url).pathname).toBe('/api/work/leases/a%2Fb/result');
    expect(request.headers.get('x-lumengrid-session')).toBe('session-1');
    expect(request.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Float32Array(await request.arrayBuffer())).toEqual(data);
  });
});
