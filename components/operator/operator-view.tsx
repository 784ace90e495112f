import type { ReactNode } from 'react';
import { formatEther } from 'viem';
import { formatDuration, formatPercent } from '../../lib/client/format';
import type { SignInRefusal } from '../../lib/coordinator/operator-session';
import type { OperatorView as View } from '../../lib/work/operator-view';

const REFUSALS: Record<SignInRefusal, string> = {
  wrong: 'That is not the operator token. Paste LUMENGRID_OPERATOR_TOKEN exactly as configured.',
  limited: 'Too many sign-in attempts from your network: wait a minute, then try again.',
  off: 'The operator page is off: no operator token is configured.',
  'cross-site': 'That sign-in came from another site and was ignored. Sign in from this page.',
};

/** The sign-in form: a plain POST to /operator/session, which sets the cookie and comes back here. */
export function OperatorSignIn({ refusal }: { refusal: SignInRefusal | null }) {
  const message = refusal && REFUSALS[refusal];
  return (
    <section className="card" aria-labelledby="operator-sign-in-title">
      <h2 id="operator-sign-in-title">Sign in</h2>
      <p>
        Paste the operator token (<code>LUMENGRID_OPERATOR_TOKEN</code>; under <code>npm start</code>,{' '}
        <code>cat .lumengrid/chain/operator-token</code>). This browser then stays signed in for 12 hours.
      </p>
      {message ? (
        <p className="notice notice--error" role="alert">
          {message}
        </p>
      ) : null}
      <form method="post" action="/operator/session" className="operator-sign-in">
        <div className="field">
          <label htmlFor="operator-token">Operator token</label>
          <input
            id="operator-token"
            name="token"
            type="password"
            autoComplete="current-password"
            required
            minLength={16}
            maxLength={512}
          />
        </div>
        <button type="submit" className="button button--primary">
          Sign in
        </button>
      </form>
    </section>
  );
}

const when = (at: number | null, now: number) =>
  at === null ? '—' : at <= now ? `${formatDuration(now - at)} ago` : `in ${formatDuration(at - now)}`;
const eth = (wei: string) => `${formatEther(BigInt(wei))} ETH`;

function Tx({ hash, explorerUrl }: { hash: string | null; explorerUrl: string | null }) {
  if (!hash) return <>—</>;
  const short = `${hash.slice(0, 10)}…${hash.slice(-6)}`;
  return explorerUrl ? (
    <a className="mono" href={`${explorerUrl.replace(/\/$/, '')}/tx/${hash}`} title={hash}>
      {short}
    </a>
  ) : (
    <span className="mono" title={hash}>
      {short}
    </span>
  );
}

function Section({
  id,
  title,
  count,
  shown,
  more,
  empty,
  children,
}: {
  id: string;
  title: string;
  count: number;
  shown: number;
  more?: string | null;
  empty: string;
  children: ReactNode;
}) {
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        {title} <span className="muted">({count})</span>
      </h2>
      {shown === 0 ? (
        <p className="empty">{empty}</p>
      ) : (
        <>
          <div className="table-scroll">{children}</div>
          {count > shown ? (
            <p className="hint">
              {shown} shown of {count}.{' '}
              {more ? (
                <a href={more} className="link-quiet">
                  Older
                </a>
              ) : null}
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}

function leaderText(leader: View['figures']['paymentsLeader'], now: number): string {
  if (leader === null) return 'payments off';
  if (leader === 'embedded') return 'this process';
  if (leader === 'none') return 'none: nothing settles';
  return leader.connectedSince === null
    ? 'an instance'
    : `an instance (connected ${when(leader.connectedSince, now)})`;
}

/** The signed-in operator page: figures at a glance, then the four lists (lib/work/operator-view.ts). */
export function OperatorView({ view, explorerUrl }: { view: View; explorerUrl: string | null }) {
  const { figures: f, at: now } = view;
  const figures: [string, string][] = [
    ['Units pending', String(f.units.pending)],
    ['Units leased', String(f.units.leased)],
    ['Units verifying', String(f.units.verifying)],
    ['Units done', String(f.units.done)],
    ['Stuck units', String(f.stuckUnits)],
    ['Jobs rendering', String(f.jobs.rendering)],
    ['Jobs awaiting deposit', String(f.jobs.awaitingDeposit)],
    ['Jobs paused', String(f.jobs.paused)],
    ['Active sessions (5 min)', String(f.activeSessions)],
    ['Quarantined sessions', String(f.quarantinedSessions)],
    ['Check disagreements', String(f.checkDisagreements)],
    ['Verification overhead', formatPercent(f.verificationOverhead)],
    ['Settlement lag', f.payments === 'off' ? 'payments off' : formatDuration(f.settlementLagSeconds * 1000)],
    ['Payments leader', leaderText(f.paymentsLeader, now)],
    ['Open disputes', String(f.openDisputes)],
    ['Jobs held', String(f.heldJobs)],
  ];
  return (
    <>
      <section className="card" aria-labelledby="operator-figures-title">
        <div className="section-head">
          <h2 id="operator-figures-title">At a glance</h2>
          <form method="post" action="/operator/session">
            <input type="hidden" name="signOut" value="1" />
            <button type="submit" className="button button--ghost">
              Sign out
            </button>
          </form>
        </div>
        <dl className="figures" data-testid="operator-figures">
          {figures.map(([label, value]) => (
            <div className="figure" key={label}>
              <dt>{label}</dt>
              <dd className="figure__value">{value}</dd>
            </div>
          ))}
        </dl>
        <p className="hint">
          As of {new Date(now).toISOString()}. The same figures, and rates, are on <code>GET /metrics</code>{' '}
          (LUMENGRID_METRICS_TOKEN).
        </p>
      </section>

      <Section
        id="operator-quarantined"
        title="Quarantined sessions"
        count={view.quarantined.total}
        shown={view.quarantined.rows.length}
        more={
          view.quarantined.next ? `?quarantinedBefore=${encodeURIComponent(view.quarantined.next)}` : null
        }
        empty="No session is quarantined."
      >
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Origin</th>
              <th scope="col">GPU class</th>
              <th scope="col" className="data-table__num">
                Accepted
              </th>
              <th scope="col" className="data-table__num">
                Rejected
              </th>
              <th scope="col" className="data-table__num">
                Faulty checks
              </th>
              <th scope="col">Quarantined</th>
            </tr>
          </thead>
          <tbody>
            {view.quarantined.rows.map((s) => (
              <tr key={s.sessionId}>
                <td className="mono">
                  <a href={`/api/contributors/${encodeURIComponent(s.sessionId)}`}>{s.sessionId}</a>
                </td>
                <td className="mono">{s.origin ?? '—'}</td>
                <td>{s.adapterClass ?? '—'}</td>
                <td className="data-table__num">{s.unitsAccepted}</td>
                <td className="data-table__num">{s.unitsRejected}</td>
                <td className="data-table__num">{s.checksFaulted}</td>
                <td>
                  {when(s.quarantinedAt, now)}
                  {s.convicted ? ' (convicted by a trusted verifier)' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <Section
        id="operator-disputes"
        title="Open disputes"
        count={view.disputes.total}
        shown={view.disputes.rows.length}
        empty="No settlement is disputed."
      >
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Settlement</th>
              <th scope="col" className="data-table__num">
                Total
              </th>
              <th scope="col">Posted</th>
              <th scope="col">Transaction</th>
              <th scope="col">Jobs held</th>
            </tr>
          </thead>
          <tbody>
            {view.disputes.rows.map((d) => (
              <tr key={d.settlementId}>
                <td>
                  #{d.settlementId}
                  {d.onchainId ? <span className="muted"> (on chain {d.onchainId})</span> : null}
                </td>
                <td className="data-table__num">{eth(d.totalWei)}</td>
                <td>{when(d.postedAt, now)}</td>
                <td>
                  <Tx hash={d.txHash} explorerUrl={explorerUrl} />
                </td>
                <td>
                  {d.heldJobs.length === 0
                    ? '—'
                    : d.heldJobs.map((job) => (
                        <a key={job} href={`/jobs/${job}`} className="mono">
                          {job}{' '}
                        </a>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <Section
        id="operator-settlements"
        title="Settlements"
        count={view.settlements.total}
        shown={view.settlements.rows.length}
        more={
          view.settlements.next ? `?settlementsBefore=${encodeURIComponent(view.settlements.next)}` : null
        }
        empty={f.payments === 'off' ? 'Payments are off: nothing is settled.' : 'Nothing settled yet.'}
      >
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Settlement</th>
              <th scope="col">State</th>
              <th scope="col" className="data-table__num">
                Total
              </th>
              <th scope="col" className="data-table__num">
                Jobs
              </th>
              <th scope="col" className="data-table__num">
                Addresses
              </th>
              <th scope="col">Posted</th>
              <th scope="col" className="data-table__num">
                Lag
              </th>
              <th scope="col">Transaction</th>
            </tr>
          </thead>
          <tbody>
            {view.settlements.rows.map((s) => (
              <tr key={s.id}>
                <td>
                  #{s.id}
                  {s.onchainId ? <span className="muted"> (on chain {s.onchainId})</span> : null}
                </td>
                <td title={s.error ?? undefined}>{s.state}</td>
                <td className="data-table__num">{eth(s.totalWei)}</td>
                <td className="data-table__num">{s.jobs}</td>
                <td className="data-table__num">{s.addresses}</td>
                <td>{when(s.postedAt, now)}</td>
                <td className="data-table__num">
                  {s.lagSeconds === null ? '—' : formatDuration(s.lagSeconds * 1000)}
                </td>
                <td>
                  <Tx hash={s.txHash} explorerUrl={explorerUrl} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <Section
        id="operator-stuck"
        title="Stuck units"
        count={view.stuck.total}
        shown={view.stuck.rows.length}
        empty="No unit is stuck: every lease is within its deadline and no unit was retried many times."
      >
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Unit</th>
              <th scope="col">Job</th>
              <th scope="col" className="data-table__num">
                Tile
              </th>
              <th scope="col">Samples</th>
              <th scope="col">Why</th>
              <th scope="col">Session</th>
              <th scope="col">Lease deadline</th>
              <th scope="col" className="data-table__num">
                Attempts
              </th>
            </tr>
          </thead>
          <tbody>
            {view.stuck.rows.map((u) => (
              <tr key={u.unitId}>
                <td>#{u.unitId}</td>
                <td className="mono">
                  <a href={`/jobs/${u.jobId}`}>{u.jobId}</a>
                </td>
                <td className="data-table__num">{u.tileIndex}</td>
                <td>
                  {u.samples[0]}–{u.samples[1]}
                </td>
                <td>{u.why === 'lease-lapsed' ? 'lease lapsed' : 'retried many times'}</td>
                <td className="mono">{u.sessionId ?? '—'}</td>
                <td>{when(u.leaseExpiresAt, now)}</td>
                <td className="data-table__num">{u.attempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </>
  );
}
