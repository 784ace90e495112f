import type { Metadata } from 'next';
import { ContributorPanel } from '../../components/contribute/contributor-panel';

export const metadata: Metadata = { title: 'Contribute your GPU' };

export default function ContributePage() {
  return (
    <div className="stack">
      <header className="page-head">
        <h1>Contribute your GPU</h1>
        <p className="lead">
          Lend this tab’s graphics card to render other people’s 3D scenes while it is open. Work that other
          contributors verify is credited to you, and paid jobs pay it in ether.
        </p>
      </header>
      <ContributorPanel />
    </div>
  );
}
