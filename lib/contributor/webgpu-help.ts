/**
 * What a person can do when this browser offers no WebGPU: the steps for the browser they are using, and
 * which browsers work. Read from the user agent, which is a guess; the list of browsers is always shown.
 */

export type BrowserFamily = 'chromium' | 'firefox' | 'safari' | 'other';
export type Platform = 'windows' | 'mac' | 'linux' | 'chromeos' | 'android' | 'ios' | 'other';

export interface WebGpuHelp {
  /** e.g. "Chrome on Linux", or null when the browser is not recognised. */
  browser: string | null;
  /** What to try here, most likely fix first. */
  steps: string[];
}

/** Browsers with WebGPU on by default (as of early 2026). */
export const WEBGPU_BROWSERS: readonly string[] = [
  'Chrome or Edge 113+ on Windows, macOS and ChromeOS; Chrome 121+ on Android 12+',
  'Safari 26+ on macOS, iOS and iPadOS',
  'Firefox 141+ on Windows',
];

function platformOf(ua: string): Platform {
  if (/Android/i.test(ua)) return 'android';
  if (/iPhone|iPad|iPod/i.test(ua)) return 'ios';
  if (/CrOS/i.test(ua)) return 'chromeos';
  if (/Windows/i.test(ua)) return 'windows';
  if (/Macintosh|Mac OS X/i.test(ua)) return 'mac';
  if (/Linux|X11/i.test(ua)) return 'linux';
  return 'other';
}

function familyOf(ua: string): { family: BrowserFamily; name: string } {
  if (/Firefox\//i.test(ua)) return { family: 'firefox', name: 'Firefox' };
  if (/Edg\//i.test(ua)) return { family: 'chromium', name: 'Edge' };
  if (/(Chrome|Chromium|CriOS)\//i.test(ua)) return { family: 'chromium', name: 'Chrome' };
  if (/Safari\//i.test(ua)) return { family: 'safari', name: 'Safari' };
  return { family: 'other', name: '' };
}

const PLATFORM_NAMES: Record<Platform, string> = {
  windows: 'Windows',
  mac: 'macOS',
  linux: 'Linux',
  chromeos: 'ChromeOS',
  android: 'Android',
  ios: 'iOS',
  other: '',
};

export function webGpuHelp(userAgent: string, secureContext = true): WebGpuHelp {
  const platform = platformOf(userAgent);
  const { family, name } = familyOf(userAgent);
  const browser = name ? `${name}${PLATFORM_NAMES[platform] ? ` on ${PLATFORM_NAMES[platform]}` : ''}` : null;
  const steps: string[] = [];
  if (!secureContext) {
    steps.push('WebGPU works only on secure pages: open this site with https:// (or from localhost).');
  }
  if (family === 'chromium' && platform === 'linux') {
    steps.push(
      `In ${name}, open chrome://flags, enable “Unsafe WebGPU Support” (#enable-unsafe-webgpu) and “Vulkan” (#enable-vulkan), then relaunch.`,
    );
  } else if (family === 'chromium') {
    steps.push(
      `Update ${name} (its About page), and check that hardware acceleration is on in its System settings.`,
      'chrome://gpu (edge://gpu in Edge) should list WebGPU as “Hardware accelerated”; if it is blocked for your GPU, update the graphics driver.',
    );
  } else if (family === 'firefox') {
    steps.push(
      platform === 'windows'
        ? 'Update Firefox to 141 or later.'
        : 'Firefox has WebGPU on by default only on Windows so far: use Chrome, Edge or Safari here, or try Firefox Nightly.',
    );
  } else if (family === 'safari') {
    steps.push(
      'Update to Safari 26 or later (macOS Tahoe, iOS 26). On older versions, turn on WebGPU under Feature Flags (Develop menu on macOS; Settings → Apps → Safari → Advanced on iOS).',
    );
  } else {
    steps.push('Open this page in one of the browsers below.');
  }
  return { browser, steps };
}
