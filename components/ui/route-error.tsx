'use client';

import Link from 'next/link';
import { useEffect } from 'react';

/**
 * An error boundary's page for one section of the site: what failed, a retry, and the way back. A user sees
 * the short message, never a stack; the digest lets an operator find the server log line.
 */
export function RouteError({
  error,
  retry,
  what,
  back,
}: {
  error: unknown;
  retry: () => void;
  /** "the job", "your claims": what could not be shown. */
  what: string;
  back: { href: string; label: string };
}) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const message = error instanceof Error ? error.message : String(error);
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  return (
    <div className="page-state page-state--error" role="alert">
      <h1>Could not show {what}</h1>
      <p className="pre-line">{message || 'An unexpected error stopped this page.'}</p>
      <p className="muted">
        Your jobs and earnings are safe on the coordinator: this is only the page. Try again, or go back.
      </p>
      {digest ? <p className="muted small">Reference: {digest}</p> : null}
      <div className="button-row">
        <button type="button" className="button button--primary" onClick={() => retry()}>
          Try again
        </button>
        <Link className="button button--ghost" href={back.href}>
          {back.label}
        </Link>
      </div>
    </div>
  );
}
