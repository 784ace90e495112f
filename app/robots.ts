import type { MetadataRoute } from 'next';

/** /robots.txt: the pages may be indexed; the API (job images, scene files, leases) is for programs. */
export default function robots(): MetadataRoute.Robots {
  return { rules: [{ userAgent: '*', allow: '/', disallow: '/api/' }] };
}
