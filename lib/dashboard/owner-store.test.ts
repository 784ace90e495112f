import { describe, expect, it } from 'vitest';
import type { StateStorage } from 'zustand/middleware';
import { createOwnerStore, OWNER_STORAGE_KEY } from './owner-store';

function memoryStorage(): StateStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

describe('owner store', () => {
  it('keeps the owner token across page loads, and which alerts were shown', () => {
    const storage = memoryStorage();
    const first = createOwnerStore(() => storage);
    first.getState().adopt('token-1');
    first.getState().markAlerted('job-a', 'finished');
    expect(JSON.parse(storage.data.get(OWNER_STORAGE_KEY) ?? '{}').state).toEqual({
      ownerToken: 'token-1',
      alerted: { 'job-a': 'finished' },
    });
    const reloaded = createOwnerStore(() => storage);
    expect(reloaded.getState().ownerToken).toBe('token-1');
    expect(reloaded.getState().alerted['job-a']).toBe('finished');
  });
});
