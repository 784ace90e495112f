import { describe, expect, it } from 'vitest';
import { alertToShow, jobTitle } from './job-alerts';

const job = (status: Parameters<typeof jobTitle>[0]['status'], done = 50) => ({
  id: '0123456789abcdef',
  status,
  pixelSamplesDone: done,
  pixelSamplesTotal: 200,
});

describe('job alerts', () => {
  it('titles the tab with how far the job is, and says when it is done or waits for a deposit', () => {
    expect(jobTitle(job('rendering'))).toBe('25 % · job 01234567 · Lumengrid');
    expect(jobTitle(job('paused'))).toBe('Paused 25 % · job 01234567 · Lumengrid');
    expect(jobTitle(job('done', 200))).toBe('✓ Done · job 01234567 · Lumengrid');
    expect(jobTitle(job('awaiting-deposit', 0))).toMatch(/^Deposit needed/);
    expect(jobTitle(job('cancelled'))).toMatch(/^Cancelled/);
  });

  it('notifies when a watched job finishes or comes to need a deposit, once per job', () => {
    expect(alertToShow(job('done'), 'rendering', undefined)).toBe('finished');
    expect(alertToShow(job('awaiting-deposit'), 'rendering', undefined)).toBe('deposit-needed');
    // Already shown (a reload), first sight, no change, or nothing to say: no notification.
    expect(alertToShow(job('done'), 'rendering', 'finished')).toBeNull();
    expect(alertToShow(job('done'), undefined, undefined)).toBeNull();
    expect(alertToShow(job('done'), 'done', undefined)).toBeNull();
    expect(alertToShow(job('paused'), 'rendering', undefined)).toBeNull();
  });
});
