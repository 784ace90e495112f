import type { Metadata } from 'next';
import { LocalRender } from '../../components/render/local-render';
import { LocalRenderForm } from '../../components/render/local-render-form';
import { StatusBadge } from '../../components/ui/status-badge';
import { parseLocalRenderParams } from '../../lib/dashboard/local-render-params';

export const metadata: Metadata = { title: 'Render locally' };

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function RenderPage({ searchParams }: Props) {
  const parsed = parseLocalRenderParams(await searchParams);
  return (
    <div className="stack">
      <header className="page-head">
        <h1>Render locally</h1>
        <p className="lead">
          Render a scene (built-in or uploaded) entirely in this browser, with the same worker and shader that
          contributors run: a free preview before you create a job, and the reference image a farm render
          should match.
        </p>
      </header>
      <LocalRenderForm values={parsed.form} errors={parsed.ok ? [] : parsed.errors} />
      {parsed.ok ? (
        <LocalRender params={parsed.params} />
      ) : (
        <p>
          <span className="muted">Status</span>{' '}
          <StatusBadge status={`error: ${parsed.errors.join('; ')}`} testId="local-render-status" />
        </p>
      )}
    </div>
  );
}
