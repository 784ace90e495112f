import Link from 'next/link';
import { formatSi } from '../../lib/client/format';
import type { ClaimsView } from '../../lib/protocol/api-types';
import { formatEther } from '../../lib/settlement/pricing';
import { StatusBadge } from '../ui/status-badge';
import { ExplorerLink } from '../wallet/explorer-link';

type SettlementState = ClaimsView['settlements'][number]['state'];

/** A settlement's state as the person waiting on it reads it. */
const STATE: Record<SettlementState, { label: string; tone: 'ok' | 'busy' | 'warn' | 'error' | 'idle' }> = {
  built: { label: 'being posted', tone: 'idle' },
  posted: { label: 'posted', tone: 'busy' },
  pending: { label: 'in challenge window', tone: 'busy' },
  disputed: { label: 'disputed', tone: 'warn' },
  final: { label: 'final', tone: 'ok' },
  void: { label: 'void', tone: 'error' },
  failed: { label: 'failed to post', tone: 'error' },
};

const time = (seconds: number | null) =>
  seconds === null ? (
    '—'
  ) : (
    <time dateTime={new Date(seconds * 1000).toISOString()}>{new Date(seconds * 1000).toLocaleString()}</time>
  );

/** The settlements that paid this address (newest first) and its credit by job. */
export function ClaimsHistory({ view }: { view: ClaimsView }) {
  return (
    <>
      <section className="card" aria-labelledby="settlements-title">
        <h2 id="settlements-title">Settlements</h2>
        {view.settlements.length === 0 ? (
          <p className="muted">No settlement includes this address yet.</p>
        ) : (
          <div className="table-scroll">
            <table className="data-table" data-testid="settlement-history">
              <thead>
                <tr>
                  <th scope="col">Settlement</th>
                  <th scope="col">State</th>
                  <th scope="col" className="data-table__num">
                    Cumulative
                  </th>
                  <th scope="col">Disputable until</th>
                  <th scope="col">Transaction</th>
                </tr>
              </thead>
              <tbody>
                {view.settlements.map((s, i) => (
                  <tr key={s.settlementId ?? `unposted-${i}`} data-testid="settlement-row">
                    <td>{s.settlementId === null ? '—' : `#${s.settlementId}`}</td>
                    <td>
                      <StatusBadge status={STATE[s.state].label} tone={STATE[s.state].tone} />
                    </td>
                    <td className="data-table__num">{formatEther(BigInt(s.cumulativeWei))}</td>
                    <td>{time(s.disputableUntil)}</td>
                    <td className="mono" title={s.txHash ?? undefined}>
                      {s.txHash ? <ExplorerLink target="tx" value={s.txHash} /> : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p className="hint">
          Cumulative: everything this address has earned up to that settlement; a claim pays the latest final
          one less what was claimed before.
        </p>
      </section>
      <section className="card" aria-labelledby="credit-title">
        <h2 id="credit-title">Credit by job</h2>
        {view.jobs.length === 0 ? (
          <p className="muted">No verified work on paid jobs yet.</p>
        ) : (
          <div className="table-scroll">
            <table className="data-table" data-testid="job-credits">
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col" className="data-table__num">
                    Credited
                  </th>
                  <th scope="col" className="data-table__num">
                    Pixel-samples
                  </th>
                </tr>
              </thead>
              <tbody>
                {view.jobs.map((job) => (
                  <tr key={job.jobId}>
                    <td>
                      <Link className="mono" href={`/jobs/${encodeURIComponent(job.jobId)}`}>
                        {job.jobId.slice(0, 8)}
                      </Link>
                    </td>
                    <td className="data-table__num">{formatEther(BigInt(job.creditedWei))}</td>
                    <td className="data-table__num">{formatSi(job.pixelSamples)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
