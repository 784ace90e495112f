'use client';

import { useEffect, useRef } from 'react';

/**
 * Runs `task` now and then `intervalMs` after each run finishes (never two at once), until unmount or
 * until `enabled` turns false. The task gets an AbortSignal that fires on cleanup.
 */
export function usePolling(task: (signal: AbortSignal) => Promise<void>, intervalMs: number, enabled = true) {
  const latest = useRef(task);
  latest.current = task;

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        await latest.current(controller.signal);
      } finally {
        if (!controller.signal.aborted) timer = setTimeout(tick, intervalMs);
      }
    };
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [intervalMs, enabled]);
}
