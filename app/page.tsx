import Link from 'next/link';
import { FarmNow } from '../components/home/farm-now';

export default function HomePage() {
  return (
    <div className="home">
      <section className="hero">
        <p className="eyebrow">A volunteer render farm</p>
        <h1>Every open tab is a GPU.</h1>
        <p className="lead">
          Lumengrid path-traces 3D scenes on graphics cards that people lend from their browser. A job is cut
          into small units; contributors’ tabs render them with WebGPU, other tabs check the work, and the
          image converges live.
        </p>
        <FarmNow />
      </section>

      <nav className="doors" aria-label="Get started">
        <Link href="/contribute" className="door door--contribute">
          <span className="door__kicker">Lend your graphics card</span>
          <span className="door__title">Contribute your GPU</span>
          <span className="door__text">
            This tab renders tiles of other people’s scenes in a background worker, at the share of GPU time
            you choose. Nothing runs until you agree; pause whenever you like.
          </span>
          <span className="door__get">
            <strong>You get</strong> credit for every unit other contributors verify, paid in ether on paid
            jobs.
          </span>
          <span className="door__cta" aria-hidden="true">
            Contribute →
          </span>
        </Link>
        <Link href="/jobs" className="door door--render">
          <span className="door__kicker">Need an image?</span>
          <span className="door__title">Render a scene</span>
          <span className="door__text">
            Pick a demo scene or upload a glTF, choose the resolution and samples per pixel, and watch the
            tiles fill in.
          </span>
          <span className="door__get">
            <strong>You get</strong> a verified image as PNG or linear float data; a paid job pays only for
            verified work and refunds the rest.
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
        <li>
          <strong>Pay.</strong> Verified work is settled on chain; contributors claim it with their wallet.
        </li>
      </ol>
    </div>
  );
}
