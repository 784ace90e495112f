'use client';

import { useQuery } from '@tanstack/react-query';
import type { Address } from 'viem';
import { usePublicClient } from 'wagmi';
import { formatEther } from '../../lib/settlement/pricing';
import { type ClaimRow, readClaimHistory } from '../../lib/wallet/escrow-logs';
import { ExplorerLink } from '../wallet/explorer-link';
import { useEscrowChain } from '../wallet/wallet-provider';

/**
 * The claims that paid an address, read from the escrow's `Claimed` events on the chain itself (the
 * coordinator does not list them), newest first. Fetched again whenever the claimed total changes.
 */
export function ClaimTransactions({ address, claimedWei }: { address: Address; claimedWei: string }) {
  const info = useEscrowChain();
  const client = usePublicClient({ chainId: info?.chainId });
  const claimed = BigInt(claimedWei);
  const query = useQuery({
    queryKey: ['lumengrid-claims', info?.chainId, info?.escrowAddress, address, claimedWei],
    enabled: client !== undefined && info !== null && claimed > 0n,
    queryFn: async (): Promise<ClaimRow[]> => {
      if (!client || !info) return [];
      return readClaimHistory(client, info.escrowAddress, address);
    },
  });

  return (
    <section className="card" aria-labelledby="claim-tx-title">
      <h2 id="claim-tx-title">Claims paid</h2>
      {claimed === 0n ? (
        <p className="muted">No claim has paid this address yet.</p>
      ) : query.isPending ? (
        <p className="muted" aria-live="polite">
          Reading the claims from the chain…
        </p>
      ) : query.isError ? (
        <p className="notice notice--warn" role="status">
          {formatEther(claimed)} claimed in all, but the transactions could not be read from the chain:{' '}
          {query.error instanceof Error ? query.error.message.split('\n')[0] : String(query.error)}
        </p>
      ) : query.data.length === 0 ? (
        <p className="muted">
          {formatEther(claimed)} claimed in all; the chain’s node returned no claim events for it.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="data-table" data-testid="claim-history">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col" className="data-table__num">
                  Paid
                </th>
                <th scope="col">Settlement</th>
                <th scope="col">Transaction</th>
              </tr>
            </thead>
            <tbody>
              {query.data.map((row) => (
                <tr key={`${row.txHash}-${row.settlementId}`} data-testid="claim-row">
                  <td>
                    {row.at === null ? (
                      `block ${row.blockNumber}`
                    ) : (
                      <time dateTime={new Date(row.at * 1000).toISOString()}>
                        {new Date(row.at * 1000).toLocaleString()}
                      </time>
                    )}
                  </td>
                  <td className="data-table__num">{formatEther(row.amount)}</td>
                  <td>#{row.settlementId.toString()}</td>
                  <td className="mono" title={row.txHash}>
                    <ExplorerLink target="tx" value={row.txHash} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="hint">
        Each claim pays everything final and unclaimed up to its settlement, so one claim may cover many jobs.
      </p>
    </section>
  );
}
