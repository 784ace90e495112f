'use client';

import { useState } from 'react';
import { ApiError, getContributor, isAbortError } from '../../lib/client/api';
import type { ContributorStatus } from '../../lib/contributor/contributor-store';
import { shouldPollContributor } from '../../lib/dashboard/verification-view';
import type { ContributorView } from '../../lib/protocol/api-types';
import { usePolling } from '../jobs/use-polling';
import { usePageVisible } from '../ui/use-page-visible';

const POLL_MS = 3000;

export interface ContributorRecord {
  /** The session's record as verification sees it; null until the coordinator knows the session. */
  view: ContributorView | null;
  /** Why the last fetch failed (not a 404), or null. */
  problem: string | null;
}

/**
 * This session's verified work (GET /api/contributors/:sessionId), fetched once and then every 3 s while
 * the tab is visible and the loop runs, or while units still await their checks. The coordinator knows a
 * session only after its first lease: a 404 until then is the normal "nothing yet".
 */
export function useContributorRecord(sessionId: string | null, status: ContributorStatus): ContributorRecord {
  const visible = usePageVisible();
  // Kept per session: a new session (a fresh worker) starts from nothing.
  const [state, setState] = useState<{
    sessionId: string | null;
    view: ContributorView | null;
    attempted: boolean;
    problem: string | null;
  }>({ sessionId, view: null, attempted: false, problem: null });
  const current = state.sessionId === sessionId ? state : { view: null, attempted: false, problem: null };
  const { view, problem } = current;

  const enabled = shouldPollContributor({ visible, sessionId, status, view, attempted: current.attempted });
  usePolling(
    async (signal) => {
      if (!sessionId) return;
      let next: Partial<typeof state>;
      try {
        next = { view: await getContributor(sessionId, { signal }), problem: null };
      } catch (cause) {
        if (isAbortError(cause) || signal.aborted) return;
        // 404: the coordinator has not seen this session lease anything yet.
        const notYet = cause instanceof ApiError && cause.status === 404;
        next = { problem: notYet ? null : cause instanceof Error ? cause.message : String(cause) };
      }
      setState((s) =>
        s.sessionId === sessionId
          ? { ...s, ...next, attempted: true }
          : { sessionId, view: null, problem: null, ...next, attempted: true },
      );
    },
    POLL_MS,
    enabled,
  );

  return { view, problem };
}
