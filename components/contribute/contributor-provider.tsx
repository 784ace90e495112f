'use client';

import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { type ContributorLoop, createContributorLoop } from '../../lib/contributor/contributor-loop';
import {
  type ContributorState,
  type ContributorStore,
  createContributorStore,
  STORAGE_KEY,
} from '../../lib/contributor/contributor-store';
import { contributorSessionId } from '../../lib/contributor/session';
import { useRenderWorker } from '../worker/use-render-worker';

interface ContributorContextValue {
  store: ContributorStore;
  /** Null until the worker is up and the loop is wired. */
  loop: ContributorLoop | null;
  sessionId: string | null;
}

const ContributorContext = createContext<ContributorContextValue | null>(null);

/**
 * Owns one contributor for this tab: a store, the render worker and the work loop. The store is made per
 * mounted provider (never at module level) so server renders and other tabs share nothing but the stored
 * choices (consent, intensity, pause when hidden), read after mount and again when another tab changes them.
 */
export function ContributorProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => createContributorStore());
  const [loop, setLoop] = useState<ContributorLoop | null>(null);
  const [sessionId, setSessionId] = useState<string | null>(null);
  const worker = useRenderWorker();

  useEffect(() => {
    void store.persist.rehydrate();
    // Consent withdrawn (or given) in another tab applies here too: the loop stops when it is withdrawn.
    const onStorage = (event: StorageEvent) => {
      if (event.key === STORAGE_KEY || event.key === null) void store.persist.rehydrate();
    };
    const onVisibility = () => store.setState({ pageHidden: document.visibilityState === 'hidden' });
    onVisibility();
    window.addEventListener('storage', onStorage);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.removeEventListener('storage', onStorage);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [store]);

  useEffect(() => {
    if (!worker.api) return;
    const id = contributorSessionId();
    const next = createContributorLoop(store, worker.api, { sessionId: id });
    setSessionId(id);
    setLoop(next);
    void next.probe();
    return () => {
      next.dispose();
      setLoop(null);
      // A fresh worker starts from scratch: forget the run that the old loop was doing.
      store.setState({ status: 'idle', activity: null, currentUnit: null, backoffMs: null });
    };
  }, [worker.api, store]);

  useEffect(() => {
    if (worker.error) store.setState({ status: 'error', lastError: worker.error, lastErrorAt: Date.now() });
  }, [worker.error, store]);

  return <ContributorContext value={{ store, loop, sessionId }}>{children}</ContributorContext>;
}

function useContributorContext(): ContributorContextValue {
  const value = useContext(ContributorContext);
  if (!value) throw new Error('useContributor must be used inside <ContributorProvider>');
  return value;
}

/** Selects from this tab's contributor state; re-renders only when the selected value changes. */
export function useContributor<T>(selector: (state: ContributorState) => T): T {
  return useStore(useContributorContext().store, selector);
}

/** The store itself, for components that change the contributor's choices. */
export function useContributorStore(): ContributorStore {
  return useContributorContext().store;
}

export function useContributorLoop(): { loop: ContributorLoop | null; sessionId: string | null } {
  const { loop, sessionId } = useContributorContext();
  return { loop, sessionId };
}
