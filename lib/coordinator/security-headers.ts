/**
 * Security headers for every response (proxy.ts). The CSP is strict: scripts only from this origin with
 * this request's nonce (Next.js puts the nonce on its own scripts), no plugins, no framing, no form posts
 * elsewhere; the browser's wallet RPC (the chain's public JSON-RPC URL) is the one foreign connection, and
 * WalletConnect's services where the operator turned it on (`extra`).
 */
export function contentSecurityPolicy(options: {
  nonce: string;
  rpcUrl?: string;
  dev?: boolean;
  /** More sources per directive (WalletConnect's services, when the build turns it on). */
  extra?: Record<string, string[]>;
}): string {
  let rpcOrigin = '';
  if (options.rpcUrl) {
    try {
      rpcOrigin = new URL(options.rpcUrl).origin;
    } catch {
      rpcOrigin = '';
    }
  }
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    // 'strict-dynamic': scripts the nonce'd ones load (chunks, the render worker) are trusted too.
    'script-src': [
      "'self'",
      `'nonce-${options.nonce}'`,
      "'strict-dynamic'",
      ...(options.dev ? ["'unsafe-eval'"] : []),
    ],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'blob:', 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'", ...(rpcOrigin ? [rpcOrigin] : []), ...(options.dev ? ['ws:'] : [])],
    'worker-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  for (const [name, values] of Object.entries(options.extra ?? {})) {
    directives[name] = [...(directives[name] ?? ["'self'"]), ...values];
  }
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

export const STATIC_SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  // WebGPU is this site's point; camera, microphone and location are never needed.
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};
