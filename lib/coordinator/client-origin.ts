import { type ServerConfig, serverConfig } from '../config/server-config';

/**
 * The client's network origin, for rate limits per origin and for keeping a contributor from checking work
 * sent from its own origin. Only what the deployment can vouch for; a header a client writes proves nothing:
 * - behind N trusted reverse proxies (LUMENGRID_TRUST_PROXY=N), the X-Forwarded-For entry the outermost
 *   trusted proxy appended: the Nth from the right. Entries left of it are the client's to write.
 * - otherwise, under `npm start` (scripts/serve.mjs), the TCP peer, which that server writes into
 *   `x-lumengrid-peer` over anything the client sent.
 * Loopback is nobody in particular (this machine's own tabs, or a local proxy left unconfigured): null, as is
 * anything unknown. The address is reduced to what one party holds (originOfAddress).
 */
export function clientOrigin(
  request: Request,
  config: Pick<ServerConfig, 'LUMENGRID_TRUST_PROXY' | 'LUMENGRID_PEER_HEADER'> = serverConfig(),
): string | null {
  const hops = config.LUMENGRID_TRUST_PROXY;
  if (hops > 0) {
    const entries = (request.headers.get('x-forwarded-for') ?? '').split(',').map((e) => e.trim());
    const entry = entries.length >= hops ? entries[entries.length - hops] : undefined;
    return entry ? originOfAddress(entry) : null;
  }
  if (config.LUMENGRID_PEER_HEADER !== '1') return null;
  const peer = request.headers.get('x-lumengrid-peer');
  return peer ? originOfAddress(peer) : null;
}

/**
 * An address as an origin: IPv4 as is (IPv4-mapped IPv6 unwrapped), IPv6 cut to its /64 (one subscriber's
 * network: a host can pick any address in it), loopback and garbage null.
 */
export function originOfAddress(address: string): string | null {
  let a = address.trim().toLowerCase();
  if (a.startsWith('[') && a.includes(']')) a = a.slice(1, a.indexOf(']'));
  if (a.startsWith('::ffff:') && a.includes('.')) a = a.slice('::ffff:'.length);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255)) return null;
    return octets[0] === 127 ? null : octets.join('.');
  }
  const groups = expandIpv6(a.split('%')[0] as string);
  if (!groups) return null;
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return null; // ::1
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

function expandIpv6(a: string): number[] | null {
  if (!/^[0-9a-f:]+$/.test(a) || a.length > 39) return null;
  const halves = a.split('::');
  if (halves.length > 2) return null;
  const part = (h: string) => (h === '' ? [] : h.split(':'));
  const head = part(halves[0] as string);
  const tail = halves.length === 2 ? part(halves[1] as string) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (all.some((g) => g.length === 0 || g.length > 4)) return null;
  return all.map((g) => Number.parseInt(g, 16));
}
