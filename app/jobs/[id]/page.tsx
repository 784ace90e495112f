import type { Metadata } from 'next';
import { JobLiveView } from '../../../components/jobs/job-live-view';

interface Props {
  params: Promise<{ id: string }>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  return { title: `Job ${id.slice(0, 8)}` };
}

export default async function JobPage({ params }: Props) {
  const { id } = await params;
  return <JobLiveView jobId={id} />;
}
