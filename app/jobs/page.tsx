import type { Metadata } from 'next';
import { JobForm } from '../../components/jobs/job-form';
import { JobList } from '../../components/jobs/job-list';

export const metadata: Metadata = { title: 'Render a scene' };

export default function JobsPage() {
  return (
    <div className="stack">
      <header className="page-head">
        <h1>Render a scene</h1>
        <p className="lead">
          Choose the image you want. Contributors’ browsers render it in small units and you watch it
          converge.
        </p>
      </header>
      <JobForm />
      <JobList />
    </div>
  );
}
