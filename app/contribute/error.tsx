'use client';

import Link from 'next/link';
import { useEffect } from 'react';

/**
 * The contribute page failed while showing itself. Its render worker went with it, so nothing runs on the
 * GPU now; a unit that was in hand lapses and goes to someone else.
 */
export default function ContributeError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="page-state page-state--error" role="alert">
      <h1>The contribute page stopped</h1>
      <p className="pre-line">{message || 'An unexpected error stopped this page.'}</p>
      <p className="muted">
        Nothing runs on your GPU now. A unit this tab had in hand is handed to someone else; nothing you had
        already sent is lost. Your choices (consent, intensity) are kept.
      </p>
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
