import type { Metadata } from 'next';
import { ContributorPanel } from '../../components/contribute/contributor-panel';

export const metadata: Metadata = { title: 'Contribute your GPU' };

export default function ContributePage() {
  return (
    <div className="stack">
      <header className="page-head">
        <h1>Contribute your GPU</h1>
        <p className="lead">Lend this tab’s graphics card to the farm while it is open.</p>
      </header>
      <ContributorPanel />
    </div>
  );
}
