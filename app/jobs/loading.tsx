/** The jobs page while it loads: its header, the job form and the list, as placeholders. */
export default function JobsLoading() {
  return (
    <div className="stack" aria-busy="true">
      <header className="page-head">
        <h1>Render a scene</h1>
        <p className="loading-status" role="status">
          <span className="spinner spinner--small" aria-hidden="true" />
          Loading the job form and your jobs…
        </p>
      </header>
      <div className="card" aria-hidden="true">
        <span className="skeleton skeleton--line" style={{ width: '30%' }} />
        <span className="skeleton skeleton--block" />
        <span className="skeleton skeleton--line" style={{ width: '80%' }} />
        <span className="skeleton skeleton--line" style={{ width: '55%' }} />
      </div>
      <div aria-hidden="true">
        <span className="skeleton skeleton--line" style={{ width: '20%' }} />
        <span className="skeleton skeleton--block" style={{ minHeight: '5rem' }} />
      </div>
    </div>
  );
}
