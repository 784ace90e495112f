'use client';

import { useStore } from 'zustand';
import { createOwnerStore, type OwnerState, type OwnerStore } from '../../lib/dashboard/owner-store';

// One store for the page, made on first use in the browser (its localStorage); the server renders none.
let store: OwnerStore | null = null;

function ownerStore(): OwnerStore {
  store ??= createOwnerStore();
  return store;
}

/** What this browser holds as a job owner (lib/dashboard/owner-store.ts). */
export function useOwner<T>(select: (state: OwnerState) => T): T {
  return useStore(ownerStore(), select);
}

export function useOwnerToken(): string | null {
  return useOwner((state) => state.ownerToken);
}
