import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/server-config';
import { originOfAddress, clientOrigin as originUnder } from './client-origin';

const request = (headers: Record<string, string>) =>
  new Request('http://coordinator/api/work/lease', { headers });

let env: Record<string, string> = {};
const stubEnv = (name: string, value: string) => {
  env = { ...env, [name]: value };
};
const clientOrigin = (r: Request) => originUnder(r, parseConfig(env));

describe('clientOrigin', () => {
  beforeEach(() => {
    env = {};
  });

  it('trusts nothing a client writes when no proxy is configured and no peer header is vouched for', () => {
    stubEnv('LUMENGRID_TRUST_PROXY', '');
    stubEnv('LUMENGRID_PEER_HEADER', '');
    expect(
      clientOrigin(request({ 'x-forwarded-for': '203.0.113.9', 'x-lumengrid-peer': '203.0.113.9' })),
    ).toBe(null);
  });

  it('uses the TCP peer that npm start writes, not a forged X-Forwarded-For', () => {
    stubEnv('LUMENGRID_PEER_HEADER', '1');
    const forged = request({ 'x-forwarded-for': '198.51.100.1', 'x-lumengrid-peer': '::ffff:203.0.113.9' });
    expect(clientOrigin(forged)).toBe('203.0.113.9');
  });

  it('behind one trusted proxy takes the entry the proxy appended (the rightmost), not the leftmost', () => {
    stubEnv('LUMENGRID_TRUST_PROXY', '1');
    // The client wrote "198.51.100.1, 198.51.100.2"; the proxy appended the peer it saw.
    const forwarded = request({ 'x-forwarded-for': '198.51.100.1, 198.51.100.2, 203.0.113.9' });
    expect(clientOrigin(forwarded)).toBe('203.0.113.9');
    stubEnv('LUMENGRID_TRUST_PROXY', '2');
    expect(clientOrigin(forwarded)).toBe('198.51.100.2');
    expect(clientOrigin(request({ 'x-forwarded-for': '203.0.113.9' }))).toBe(null);
  });

  it('treats loopback as nobody in particular', () => {
    stubEnv('LUMENGRID_PEER_HEADER', '1');
    expect(clientOrigin(request({ 'x-lumengrid-peer': '127.0.0.1' }))).toBe(null);
    expect(clientOrigin(request({ 'x-lumengrid-peer': '::1' }))).toBe(null);
    expect(clientOrigin(request({ 'x-lumengrid-peer': '::ffff:127.0.0.1' }))).toBe(null);
  });
});

describe('originOfAddress', () => {
  it('cuts IPv6 to its /64, so one host cannot be many origins', () => {
    expect(originOfAddress('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(originOfAddress('2001:DB8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(originOfAddress('[2001:db8::7]')).toBe('2001:db8:0:0::/64');
    expect(originOfAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('refuses what is not an address', () => {
    for (const junk of [
      '',
      'unknown',
      '1.2.3.256',
      '1.2.3',
      ':::',
      '1:2:3:4:5:6:7:8:9',
      'g::1',
      'x'.repeat(80),
    ])
      expect(originOfAddress(junk)).toBe(null);
    expect(originOfAddress('10.0.0.7')).toBe('10.0.0.7');
  });
});
