import { type Address, getAddress, isAddress } from 'viem';

/** "0x1234…abcd": enough of an address to recognise it; the full one goes in a title or beside it. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** A typed or pasted address in checksum form, or null when it is not one (any letter case is accepted). */
export function parseAddress(input: string): Address | null {
  const trimmed = input.trim();
  return isAddress(trimmed, { strict: false }) ? getAddress(trimmed) : null;
}

export function sameAddress(a: string | null | undefined, b: string | null | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}
