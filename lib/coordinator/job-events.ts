/**
 * In-process notifications of job changes, for Server-Sent Events. Kept on globalThis so every route
 * module of this server process shares one hub. (Several coordinator instances would relay through the
 * database instead; the SSE stream also polls as a fallback, so a missed notification only delays.)
 */
type Listener = () => void;

interface Hub {
  listeners: Map<string, Set<Listener>>;
}

const globalHub = globalThis as typeof globalThis & { __lumengridJobEvents?: Hub };

function hub(): Hub {
  globalHub.__lumengridJobEvents ??= { listeners: new Map() };
  return globalHub.__lumengridJobEvents;
}

export function notifyJobChanged(jobId: string): void {
  for (const listener of hub().listeners.get(jobId) ?? []) listener();
}

export function onJobChanged(jobId: string, listener: Listener): () => void {
  const { listeners } = hub();
  const set = listeners.get(jobId) ?? new Set();
  set.add(listener);
  listeners.set(jobId, set);
  return () => {
    set.delete(listener);
    if (set.size === 0) listeners.delete(jobId);
  };
}
