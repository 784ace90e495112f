import { type NextRequest, NextResponse } from 'next/server';
import { serverConfig } from './lib/config/server-config';
import { contentSecurityPolicy, STATIC_SECURITY_HEADERS } from './lib/coordinator/security-headers';
import { WALLETCONNECT_CSP, WALLETCONNECT_PROJECT_ID } from './lib/wallet/walletconnect';

/**
 * Runs before every page and API request: a fresh CSP nonce per request (Next.js applies it to its own
 * scripts when it finds it in the request's Content-Security-Policy header), and the security headers.
 */
export function proxy(request: NextRequest) {
  const config = serverConfig();
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const csp = contentSecurityPolicy({
    nonce,
    rpcUrl: config.LUMENGRID_PUBLIC_RPC_URL || config.LUMENGRID_RPC_URL,
    dev: process.env.NODE_ENV === 'development',
    extra: WALLETCONNECT_PROJECT_ID ? WALLETCONNECT_CSP : undefined,
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', csp);
  for (const [name, value] of Object.entries(STATIC_SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Everything but Next's own static files (hashed, immutable) and the icon.
  matcher: [{ source: '/((?!_next/static|_next/image|icon.svg).*)' }],
};
