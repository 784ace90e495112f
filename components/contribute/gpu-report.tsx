'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from '../../lib/client/format';
import { WEBGPU_BROWSERS, type WebGpuHelp, webGpuHelp } from '../../lib/contributor/webgpu-help';
import type { AdapterSummary, KeyLimit } from '../../lib/render/capability';
import { useContributor } from './contributor-provider';

const LIMITS: ReadonlyArray<{ key: KeyLimit; label: string; bytes?: boolean }> = [
  { key: 'maxStorageBufferBindingSize', label: 'Largest storage binding', bytes: true },
  { key: 'maxBufferSize', label: 'Largest buffer', bytes: true },
  { key: 'maxComputeWorkgroupSizeX', label: 'Workgroup size (x)' },
  { key: 'maxComputeInvocationsPerWorkgroup', label: 'Invocations per workgroup' },
  { key: 'maxComputeWorkgroupsPerDimension', label: 'Workgroups per dispatch axis' },
  { key: 'maxStorageBuffersPerShaderStage', label: 'Storage buffers per shader' },
];

/** The features that matter to a path tracer, when the adapter has them. */
const NOTABLE_FEATURES = ['shader-f16', 'timestamp-query', 'subgroups', 'float32-filterable'];

/**
 * What this browser offers the farm: the adapter, its key limits, or, without WebGPU, why and what to do
 * (the steps for this browser and which browsers work).
 */
export function GpuReport({ wide = false }: { wide?: boolean }) {
  const { status, adapter, unsupported } = useContributor(
    useShallow((s) => ({ status: s.status, adapter: s.adapter, unsupported: s.unsupported })),
  );
  return (
    <section className={`card gpu-card ${wide ? 'gpu-card--wide' : ''}`} aria-labelledby="gpu-title">
      <h2 id="gpu-title">Your GPU</h2>
      {unsupported ? (
        <Unsupported reason={unsupported.reason} nextStep={unsupported.nextStep} />
      ) : adapter ? (
        <AdapterDetails adapter={adapter} />
      ) : status === 'error' ? (
        <p className="muted">The render worker did not start: see the error in “This tab”.</p>
      ) : (
        <p className="gpu gpu--pending" role="status">
          <span className="spinner spinner--small" aria-hidden="true" /> Looking at your GPU (nothing runs on
          it)…
        </p>
      )}
    </section>
  );
}

function AdapterDetails({ adapter }: { adapter: AdapterSummary }) {
  const parts = [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean);
  const features = NOTABLE_FEATURES.filter((f) => adapter.features.includes(f));
  return (
    <>
      <div className="gpu">
        <p className="gpu__label">Adapter</p>
        <p className="gpu__name" data-testid="adapter">
          {parts.join(' · ')}
        </p>
        {adapter.isFallback ? (
          <p className="notice notice--warn">
            This is a software adapter: the GPU is emulated on the CPU, so rendering works but slowly (a real
            graphics card is hundreds to thousands of times faster).
          </p>
        ) : null}
      </div>
      <dl className="details-list gpu-limits" data-testid="gpu-limits">
        {LIMITS.map(({ key, label, bytes }) => (
          <div key={key}>
            <dt>
              {label} <span className="mono gpu-limits__key">{key}</span>
            </dt>
            <dd>{bytes ? formatBytes(adapter.limits[key]) : adapter.limits[key].toLocaleString('en')}</dd>
          </div>
        ))}
      </dl>
      <p className="hint">
        Optional features:{' '}
        <span className="mono">{features.length > 0 ? features.join(', ') : 'none of note'}</span>. These are
        what the adapter reports; units are sized so that any WebGPU adapter can render them.
      </p>
    </>
  );
}

function Unsupported({ reason, nextStep }: { reason: string; nextStep: string }) {
  // The user agent is read after mount: the server render knows none.
  const [help, setHelp] = useState<WebGpuHelp | null>(null);
  useEffect(() => setHelp(webGpuHelp(navigator.userAgent, window.isSecureContext)), []);
  // Without WebGPU at all the browser's own steps say it better; otherwise the worker's step comes first.
  const missing = /does not expose WebGPU/.test(reason);
  const steps = help ? (missing ? help.steps : [nextStep, ...help.steps]) : [nextStep];
  return (
    <div className="notice notice--error" data-testid="unsupported" role="alert">
      <p className="notice__title">This browser cannot contribute its GPU yet.</p>
      <p>{reason}</p>
      <p className="notice__title">What to try{help?.browser ? ` in ${help.browser}` : ''}</p>
      <ul>
        {steps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ul>
      <p className="notice__title">Browsers with WebGPU</p>
      <ul>
        {WEBGPU_BROWSERS.map((b) => (
          <li key={b}>{b}</li>
        ))}
      </ul>
      <p className="muted">
        You can still <Link href="/jobs">render a scene</Link> with other people’s GPUs.
      </p>
    </div>
  );
}
