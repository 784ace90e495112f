/** A job's page while it loads: the image and its figures, as placeholders. */
export default function JobLoading() {
  return (
    <div className="job-view" aria-busy="true">
      <span className="skeleton skeleton--title" aria-hidden="true" />
      <p className="loading-status" role="status">
        <span className="spinner spinner--small" aria-hidden="true" />
        Loading the job…
      </p>
      <div className="job-view__body" aria-hidden="true">
        <span className="skeleton skeleton--image" />
        <div className="card">
          <span className="skeleton skeleton--line" style={{ width: '45%', height: '1.6rem' }} />
          <span className="skeleton skeleton--line" />
          <span className="skeleton skeleton--line" style={{ width: '70%' }} />
          <span className="skeleton skeleton--line" style={{ width: '60%' }} />
          <span className="skeleton skeleton--line" style={{ width: '75%' }} />
        </div>
      </div>
    </div>
  );
}
