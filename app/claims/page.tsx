import type { Metadata } from 'next';
import { ClaimsPanel } from '../../components/claims/claims-panel';

export const metadata: Metadata = { title: 'Claims' };

interface Props {
  searchParams: Promise<{ address?: string | string[] }>;
}

export default async function ClaimsPage({ searchParams }: Props) {
  const { address } = await searchParams;
  return (
    <div className="stack claims-page">
      <header className="page-head">
        <h1>Claims</h1>
        <p className="lead">
          What your contributions earned on paid jobs: credit waiting for its settlement, ether you can claim
          now, and what you have claimed.
        </p>
      </header>
      <ClaimsPanel initialAddress={typeof address === 'string' ? address : null} />
    </div>
  );
}
