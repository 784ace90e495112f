'use client';

import { RouteError } from '../../../components/ui/route-error';

export default function JobError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <RouteError error={error} retry={retry} what="this job" back={{ href: '/jobs', label: 'All jobs' }} />
  );
}
