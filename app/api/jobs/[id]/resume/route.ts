import { jobControlHandler } from '../job-control-handler';

export const dynamic = 'force-dynamic';

/** The owner resumes the job: see ../job-control-handler.ts. */
export const POST = jobControlHandler('resume');
