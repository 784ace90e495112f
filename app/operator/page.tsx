import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { OperatorSignIn, OperatorView } from '../../components/operator/operator-view';
import { OPERATOR_COOKIE, operatorAccess, type SignInRefusal } from '../../lib/coordinator/operator-session';
import { coordinator } from '../../lib/instance/coordinator';
import { operatorView } from '../../lib/work/operator-view';

export const metadata: Metadata = { title: 'Operator', robots: { index: false, follow: false } };
export const dynamic = 'force-dynamic';

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

const one = (value: string | string[] | undefined) => (typeof value === 'string' ? value : null);

/**
 * The operator's page: what needs a person's eyes (quarantines, disputes, settlements, stuck units) behind
 * LUMENGRID_OPERATOR_TOKEN (lib/coordinator/operator-session.ts). Rendered on the server from
 * lib/work/operator-view.ts; no script of its own.
 */
export default async function OperatorPage({ searchParams }: Props) {
  const params = await searchParams;
  const ctx = await coordinator();
  const access = operatorAccess((await cookies()).get(OPERATOR_COOKIE)?.value, ctx.now());
  return (
    <div className="stack operator-page">
      <header className="page-head">
        <h1>Operator</h1>
        <p className="lead">
          What needs an operator’s eyes: quarantined sessions, open disputes, settlements and stuck units.
        </p>
      </header>
      {access === 'off' ? (
        <section className="card notice" aria-labelledby="operator-off-title">
          <h2 id="operator-off-title">The operator page is off</h2>
          <p>
            No operator token is configured. Set <code>LUMENGRID_OPERATOR_TOKEN</code> (16 characters or more,
            e.g. <code>openssl rand -base64 32</code>) and restart; <code>npm start</code> generates one into{' '}
            <code>.lumengrid/chain/operator-token</code>.
          </p>
        </section>
      ) : access === 'signed-out' ? (
        <OperatorSignIn refusal={one(params.signin) as SignInRefusal | null} />
      ) : (
        <OperatorView
          view={
            await operatorView(ctx, {
              quarantinedBefore: one(params.quarantinedBefore),
              settlementsBefore: one(params.settlementsBefore),
            })
          }
          explorerUrl={ctx.payments?.escrow.publicClient.chain?.blockExplorers?.default.url ?? null}
        />
      )}
    </div>
  );
}
