'use client';

import type { WalletProblem } from '../../lib/wallet/errors';
import { FaucetButton } from './faucet-button';
import { SwitchChainButton } from './switch-chain-button';

/** A wallet problem as a notice: what happened, what to do, and the button that does it when there is one. */
export function WalletProblemNotice({ problem, testId }: { problem: WalletProblem; testId?: string }) {
  // A refusal is the person's own choice, not a failure: say it without alarm.
  const tone = problem.kind === 'rejected' ? 'notice--warn' : 'notice--error';
  return (
    <div className={`notice ${tone}`} role="alert" data-testid={testId}>
      <p className="notice__title">{problem.message}</p>
      {problem.next.length > 0 ? (
        <ul>
          {problem.next.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ul>
      ) : null}
      {problem.switchChain || problem.faucet ? (
        <div className="button-row notice__actions">
          {problem.switchChain ? <SwitchChainButton /> : null}
          {problem.faucet ? <FaucetButton /> : null}
        </div>
      ) : null}
    </div>
  );
}
