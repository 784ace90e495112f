import Link from 'next/link';

export default function HomePage() {
  return (
    <div className="home">
      <section className="hero">
        <p className="eyebrow">A volunteer render farm</p>
        <h1>Every open tab is a GPU.</h1>
        <p className="lead">
          Lumengrid path-traces 3D scenes on graphics cards that people lend from their browser. A job is cut
          into small units (one tile, a few samples per pixel); contributors’ tabs render them with WebGPU and
          the image converges live, everywhere at once.
        </p>
      </section>

      <nav className="doors" aria-label="Get started">
        <Link href="/contribute" className="door door--contribute">
          <span className="door__kicker">Lend your graphics card</span>
          <span className="door__title">Contribute your GPU</span>
          <span className="door__text">
            Press Start and this tab renders other people’s scenes in a background worker. Pause whenever you
            like.
          </span>
          <span className="door__cta" aria-hidden="true">
            Contribute →
          </span>
        </Link>
        <Link href="/jobs" className="door door--render">
          <span className="door__kicker">Need an image?</span>
          <span className="door__title">Render a scene</span>
          <span className="door__text">
            Pick a resolution and samples per pixel, watch the tiles fill in, and download a PNG or linear
            float data.
          </span>
          <span className="door__cta" aria-hidden="true">
            Render →
          </span>
        </Link>
      </nav>

      <ol className="steps">
        <li>
          <strong>Split.</strong> A job becomes tiles × sample ranges, short enough that a closed tab loses
          little.
        </li>
        <li>
          <strong>Trace.</strong> Each tab leases a unit and runs the same WGSL path tracer on its GPU.
        </li>
        <li>
          <strong>Check.</strong> Random numbers depend only on seed, pixel and sample, so any GPU can
          re-render a few pixels to verify a unit.
        </li>
      </ol>
    </div>
  );
}
