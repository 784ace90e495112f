/**
 * Whether a job's deposit still pays for more work, as SQL that leasing puts in its WHERE clause: every unit
 * and check handed out is work a contributor does in the expectation of being paid, so a paid job takes no
 * more of it once its payment cannot pay:
 * - held (a settlement of it was voided: its money waits on the arbiter), refunded, closed, or not funded;
 * - its deposit expires within DEPOSIT_EXPIRY_MARGIN_SECONDS (the requestor may take back what is not
 *   settled at expiry, and credit needs a settlement and its challenge window before then);
 * - the credit already earned on it (job_credit_totals, in pixel-samples, at the job's price) has reached
 *   its deposit.
 * Unpaid (volunteer) jobs have no payment row and always pass.
 */

/** Leasing stops this long before a deposit expires: two days leave room for a settlement to become final. */
export const DEPOSIT_EXPIRY_MARGIN_SECONDS = 2 * 24 * 3600;

/**
 * The SQL condition, for the job aliased `job` (its `id` column), with `nowSeconds` the placeholder of the
 * current time in unix seconds (e.g. '$4').
 */
export function depositPaysForWork(job: string, nowSeconds: string): string {
  return `NOT EXISTS (
    SELECT 1 FROM job_payments pay LEFT JOIN job_credit_totals credit ON credit.job_id = pay.job_id
    WHERE pay.job_id = ${job}.id
      AND (pay.state <> 'funded'
           OR pay.expires_at IS NULL OR pay.expires_at <= ${nowSeconds}::bigint + ${DEPOSIT_EXPIRY_MARGIN_SECONDS}
           OR COALESCE(credit.pixel_samples, 0) * pay.price_wei >= pay.deposited_wei))`;
}
