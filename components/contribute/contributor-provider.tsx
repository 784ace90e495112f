'use client';

import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { type ContributorLoop, createContributorLoop } from '../../lib/client/contributor-loop';
import {
  type ContributorState,
  type ContributorStore,
  createContributorStore,
} from '../../lib/client/contributor-store';
import { contributorSessionId } from '../../lib/client/session';
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
 * mounted provider (never at module level) so server renders and other tabs share nothing.
 */
export function ContributorProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => createContributorStore());
  const [loop, setLoop] = useState<ContributorLoop | null>(null);
  const [sessionId, setSessionId] = useState<string | null>(null);
  const worker = useRenderWorker();

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

export function useContributorLoop(): { loop: ContributorLoop | null; sessionId: string | null } {
  const { loop, sessionId } = useContributorContext();
  return { loop, sessionId };
}
