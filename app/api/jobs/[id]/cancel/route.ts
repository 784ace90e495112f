import { jobControlHandler } from '../job-control-handler';

export const dynamic = 'force-dynamic';

/** The owner cancels the job: see ../job-control-handler.ts. */
export const POST = jobControlHandler('cancel');
