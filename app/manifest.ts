import type { MetadataRoute } from 'next';

/** /manifest.webmanifest: installable as an app; the icons are rasterized from app/icon.svg (scripts/render-icons.ts). */
export default function manifest(): MetadataRoute.Manifest {
  return {
    name: 'Lumengrid: a render farm made of browsers',
    short_name: 'Lumengrid',
    description: 'Render scenes on volunteers’ GPUs, or lend yours, through WebGPU.',
    start_url: '/',
    display: 'standalone',
    background_color: '#0c0e13',
    theme_color: '#0c0e13',
    icons: [
      { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml' },
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  };
}
