'use client';

import { useEffect, useState } from 'react';

/**
 * Asks for permission to notify when a job finishes or needs a deposit. Only from this button's click:
 * browsers refuse (and users resent) a permission prompt that comes unasked.
 */
export function NotifyButton() {
  const [permission, setPermission] = useState<NotificationPermission | 'unsupported' | null>(null);
  useEffect(() => {
    setPermission(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  }, []);
  if (permission === null || permission === 'unsupported') return null;
  if (permission === 'granted') {
    return <span className="muted small">You will be notified when a job finishes.</span>;
  }
  if (permission === 'denied') {
    return <span className="muted small">Notifications are blocked for this site in your browser.</span>;
  }
  return (
    <button
      type="button"
      className="button button--ghost small"
      onClick={async () => setPermission(await Notification.requestPermission())}
    >
      Notify me when jobs finish
    </button>
  );
}
