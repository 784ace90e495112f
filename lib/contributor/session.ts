/**
 * The contributor's session id: a random UUID per tab, kept in sessionStorage so that a reload keeps it
 * while a second tab of the same browser is a second contributor.
 */
export const SESSION_STORAGE_KEY = 'lumengrid.session';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function contributorSessionId(storage: Pick<Storage, 'getItem' | 'setItem'> = sessionStorage): string {
  const stored = storage.getItem(SESSION_STORAGE_KEY);
  if (stored && UUID.test(stored)) return stored;
  const id = randomUuid();
  storage.setItem(SESSION_STORAGE_KEY, id);
  return id;
}

/** crypto.randomUUID exists only in secure contexts; getRandomValues works everywhere. */
function randomUuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] as number) & 0x0f) | 0x40; // version 4
  b[8] = ((b[8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(b, (n) => n.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
