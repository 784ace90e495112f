import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { Logo } from '../components/layout/logo';
import { SiteNav } from '../components/layout/site-nav';
import { ConnectWallet } from '../components/wallet/connect-wallet';
import { WalletProvider } from '../components/wallet/wallet-provider';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Lumengrid: a render farm made of browsers', template: '%s · Lumengrid' },
  description:
    'Lumengrid is a volunteer render farm in a web page: browsers donate their GPU through WebGPU to path-trace other people’s scenes.',
};

// Rendered per request: proxy.ts gives every response a fresh CSP nonce, which Next.js puts on its scripts
// only when the page is rendered for that request (a prerendered page would carry no nonce).
export const dynamic = 'force-dynamic';

// Light and dark follow the system (app/globals.css, prefers-color-scheme).
export const viewport: Viewport = {
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#f6f5f2' },
    { media: '(prefers-color-scheme: dark)', color: '#0c0e13' },
  ],
  colorScheme: 'light dark',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        {/* A client boundary: it reads the escrow's chain from the coordinator and renders the page at once. */}
        <WalletProvider>
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          <header className="site-header">
            <div className="site-header__inner">
              <Link href="/" className="brand">
                <Logo />
                <span>Lumengrid</span>
              </Link>
              <div className="site-header__end">
                <SiteNav />
                <ConnectWallet />
              </div>
            </div>
          </header>
          <main id="main" className="site-main">
            {children}
          </main>
          <footer className="site-footer">
            <p>
              Lumengrid renders with WebGPU in volunteers’ browsers.{' '}
              <Link href="/render">Render locally</Link> to preview a scene on your own GPU. Scripts use the{' '}
              <Link href="/api-docs">API</Link>.
            </p>
          </footer>
        </WalletProvider>
      </body>
    </html>
  );
}
