import { describe, expect, it } from 'vitest';
import { bearerToken, ownerCookie, readCredential } from './owner-credential';

const request = (headers: Record<string, string>) => new Request('http://coordinator.test/', { headers });

describe('owner credentials', () => {
  it('reads the Bearer header first, then the owner cookie among others', () => {
    expect(readCredential(request({ authorization: 'Bearer abc', cookie: 'lumengrid-owner=def' }))).toEqual({
      token: 'abc',
      from: 'header',
    });
    expect(readCredential(request({ cookie: 'a=1; lumengrid-owner=def; b=2' }))).toEqual({
      token: 'def',
      from: 'cookie',
    });
    expect(readCredential(request({ cookie: 'a=1' }))).toBeNull();
    expect(readCredential(request({}))).toBeNull();
  });

  it('counts a header that is no Bearer token as no credential (401, not 403)', () => {
    expect(bearerToken(request({ authorization: 'Basic dXNlcjpwdw==' }))).toBeNull();
    expect(bearerToken(request({ authorization: 'Bearer' }))).toBeNull();
    // An oversized header is cut before anything is done with it.
    expect(bearerToken(request({ authorization: `Bearer ${'x'.repeat(100_000)}` }))?.length).toBeLessThan(
      200,
    );
  });

  it('sets an HttpOnly, same-site cookie for the jobs API only, Secure over HTTPS', () => {
    const cookie = ownerCookie('tok', true);
    expect(cookie).toMatch(/^lumengrid-owner=tok; Path=\/api\/jobs;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Secure');
    expect(ownerCookie('tok', false)).not.toContain('Secure');
  });
});
