/** The claims page while it loads: its header and the earnings, as placeholders. */
export default function ClaimsLoading() {
  return (
    <div className="stack claims-page" aria-busy="true">
      <header className="page-head">
        <h1>Claims</h1>
        <p className="loading-status" role="status">
          <span className="spinner spinner--small" aria-hidden="true" />
          Loading what you earned…
        </p>
      </header>
      <div className="card" aria-hidden="true">
        <span className="skeleton skeleton--line" style={{ width: '60%' }} />
        <span className="skeleton skeleton--line" style={{ width: '35%' }} />
      </div>
      <div className="card" aria-hidden="true">
        <span className="skeleton skeleton--block" style={{ minHeight: '6rem' }} />
      </div>
    </div>
  );
}
