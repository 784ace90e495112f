'use client';

import Link from 'next/link';
import { useEffect } from 'react';

export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const message = error instanceof Error ? error.message : String(error);
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  return (
    <div className="page-state page-state--error" role="alert">
      <h1>Something went wrong</h1>
      <p className="pre-line">{message || 'An unexpected error stopped this page.'}</p>
      {digest ? <p className="muted small">Reference: {digest}</p> : null}
      <div className="button-row">
        <button type="button" className="button button--primary" onClick={() => retry()}>
          Try again
        </button>
        <Link className="button button--ghost" href="/">
          Home
        </Link>
      </div>
    </div>
  );
}
