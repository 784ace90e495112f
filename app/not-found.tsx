import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="page-state">
      <h1>Page not found</h1>
      <p className="muted">There is nothing at this address.</p>
      <div className="button-row">
        <Link className="button button--primary" href="/jobs">
          Render a scene
        </Link>
        <Link className="button button--ghost" href="/contribute">
          Contribute
        </Link>
      </div>
    </div>
  );
}
