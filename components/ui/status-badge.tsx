/** A small coloured pill for a status word; the text is exactly the status, so tests and people read the same. */
export function StatusBadge({
  status,
  testId,
  tone,
}: {
  status: string;
  testId?: string;
  tone?: 'ok' | 'busy' | 'warn' | 'error' | 'idle';
}) {
  return (
    <span className={`badge badge--${tone ?? toneOf(status)}`} data-testid={testId}>
      {status}
    </span>
  );
}

function toneOf(status: string): 'ok' | 'busy' | 'warn' | 'error' | 'idle' {
  switch (status) {
    case 'done':
      return 'ok';
    case 'rendering':
    case 'running':
    case 'probing':
      return 'busy';
    case 'pausing':
    case 'paused':
    case 'awaiting-deposit':
      return 'warn';
    case 'error':
    case 'unsupported':
      return 'error';
    default:
      return status.startsWith('error') ? 'error' : 'idle';
  }
}
