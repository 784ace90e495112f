'use client';

import { RouteError } from '../../components/ui/route-error';

export default function ClaimsError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <RouteError
      error={error}
      retry={retry}
      what="the claims"
      back={{ href: '/contribute', label: 'Contribute' }}
    />
  );
}
