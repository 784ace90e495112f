import { describe, expect, it } from 'vitest';
import { webGpuHelp } from './webgpu-help';

const UA = {
  chromeLinux:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:140.0) Gecko/20100101 Firefox/140.0',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:139.0) Gecko/20100101 Firefox/139.0',
  safariIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
};

describe('webGpuHelp', () => {
  it('tells Chrome on Linux which flags to turn on', () => {
    const help = webGpuHelp(UA.chromeLinux);
    expect(help.browser).toBe('Chrome on Linux');
    expect(help.steps[0]).toMatch(/#enable-unsafe-webgpu.*#enable-vulkan/);
  });

  it('names Edge, not Chrome, and points at its GPU page', () => {
    const help = webGpuHelp(UA.edgeWindows);
    expect(help.browser).toBe('Edge on Windows');
    expect(help.steps.join(' ')).toMatch(/edge:\/\/gpu/);
  });

  it('sends Firefox off Windows to another browser, and asks Firefox on Windows to update', () => {
    expect(webGpuHelp(UA.firefoxMac).steps[0]).toMatch(/only on Windows/);
    expect(webGpuHelp(UA.firefoxWindows).steps[0]).toMatch(/141/);
  });

  it('asks Safari for version 26, and an insecure page for https first', () => {
    expect(webGpuHelp(UA.safariIos)).toMatchObject({ browser: 'Safari on iOS' });
    expect(webGpuHelp(UA.safariIos).steps[0]).toMatch(/Safari 26/);
    expect(webGpuHelp(UA.chromeLinux, false).steps[0]).toMatch(/https/);
  });

  it('falls back to the list of browsers for one it does not know', () => {
    expect(webGpuHelp('curl/8.0')).toEqual({
      browser: null,
      steps: ['Open this page in one of the browsers below.'],
    });
  });
});
