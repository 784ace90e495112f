'use client';

import { useCallback, useRef, useState } from 'react';
import { ApiError, getClaims, isAbortError } from '../../lib/client/api';
import type { ClaimsView } from '../../lib/protocol/api-types';
import { usePolling } from '../jobs/use-polling';
import { usePageVisible } from '../ui/use-page-visible';

const POLL_MS = 4000;

export interface Claims {
  view: ClaimsView | null;
  /** Why the last fetch failed, with the coordinator's next steps; the last good view stays shown. */
  problem: { message: string; next: string[] } | null;
  /** Fetches now (after a claim), without waiting for the next poll. */
  refresh: () => Promise<void>;
}

/**
 * GET /api/claims/:address, polled every 4 s while the page is visible: settlements become final and
 * claimable on their own as their challenge window passes. Mount it per address (a `key`) so that one
 * address's figures never show under another.
 */
export function useClaims(address: string): Claims {
  const visible = usePageVisible();
  const [view, setView] = useState<ClaimsView | null>(null);
  const [problem, setProblem] = useState<Claims['problem']>(null);
  const latest = useRef(0);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      const ticket = ++latest.current;
      try {
        const next = await getClaims(address, { signal });
        // A slower, older answer must not overwrite a newer one.
        if (ticket !== latest.current) return;
        setView(next);
        setProblem(null);
      } catch (cause) {
        if (isAbortError(cause) || signal?.aborted || ticket !== latest.current) return;
        setProblem(
          cause instanceof ApiError
            ? { message: cause.shortMessage, next: cause.metaMessages }
            : {
                message: `Could not reach the coordinator: ${cause instanceof Error ? cause.message : String(cause)}`,
                next: ['Retrying every few seconds.'],
              },
        );
      }
    },
    [address],
  );

  usePolling(load, POLL_MS, visible);
  const refresh = useCallback(() => load(), [load]);
  return { view, problem, refresh };
}
