import { describe, expect, it } from 'vitest';
import { DutyCycle, gapIdleMs, idleAfter, LEASE_MARGIN_MS, MIN_SHARE, normalizeShare } from './duty-cycle';

describe('idleAfter', () => {
  it('idles busy × (1/share − 1): the GPU is busy exactly `share` of the time', () => {
    expect(idleAfter(100, 0.25)).toBe(300);
    expect(idleAfter(100, 0.5)).toBe(100);
    expect(idleAfter(90, 0.75)).toBeCloseTo(30, 9);
    expect(idleAfter(100, 1)).toBe(0);
    for (const share of [0.25, 0.5, 0.75, 1]) {
      const busy = 80;
      expect(busy / (busy + idleAfter(busy, share))).toBeCloseTo(share, 9);
    }
  });

  it('never idles for no work and clamps shares out of range', () => {
    expect(idleAfter(0, 0.25)).toBe(0);
    expect(idleAfter(-5, 0.25)).toBe(0);
    expect(idleAfter(100, 2)).toBe(0);
    expect(idleAfter(100, 0)).toBeCloseTo(100 * (1 / MIN_SHARE - 1), 9);
    expect(normalizeShare(Number.NaN)).toBe(0.5);
    expect(normalizeShare('1')).toBe(0.5);
  });
});

describe('gapIdleMs', () => {
  it('subtracts the time already idle since the burst ended', () => {
    expect(gapIdleMs({ burstMs: 100, idleSoFarMs: 0, share: 0.25 })).toBe(300);
    expect(gapIdleMs({ burstMs: 100, idleSoFarMs: 120, share: 0.25 })).toBe(180);
    expect(gapIdleMs({ burstMs: 100, idleSoFarMs: 500, share: 0.25 })).toBe(0);
  });

  it('keeps the plain duty cycle while the lease has room for it', () => {
    const lease = { msLeft: 100_000, busyLeftMs: 1000 };
    // 300 ms now and 3000 ms for the 1000 ms of work left fit in 100 s less the margin.
    expect(gapIdleMs({ burstMs: 100, idleSoFarMs: 0, share: 0.25, lease })).toBe(300);
  });

  it('shortens every gap by the same factor so the unit still ends before its lease', () => {
    // 20 s of work left at 25 % wants 60 s of idle after this gap's 300 ms; only 5 s can be spared.
    const lease = { msLeft: LEASE_MARGIN_MS + 20_000 + 5_000, busyLeftMs: 20_000 };
    const gap = gapIdleMs({ burstMs: 100, idleSoFarMs: 0, share: 0.25, lease });
    expect(gap).toBeCloseTo(300 * (5_000 / 60_300), 6);
    // Applied to every gap, the idle adds up to what can be spared, and no more.
    const scaled = 5_000 / 60_300;
    expect(gap + idleAfter(20_000, 0.25) * scaled).toBeCloseTo(5_000, 6);
  });

  it('does not idle when the unit is already short of time', () => {
    const lease = { msLeft: LEASE_MARGIN_MS + 1_000, busyLeftMs: 2_000 };
    expect(gapIdleMs({ burstMs: 100, idleSoFarMs: 0, share: 0.25, lease })).toBe(0);
  });
});

/** A clock the test moves: sleeping advances it. */
function fakeTime() {
  let now = 1_000;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('DutyCycle', () => {
  it('waits nothing before the first burst, then what each burst earned', async () => {
    const time = fakeTime();
    const cycle = new DutyCycle(time.clock);
    cycle.setShare(0.25);
    expect(await cycle.waitForTurn({ sleep: time.sleep })).toBe(0);
    cycle.begin();
    time.advance(100);
    cycle.end(1000);
    expect(await cycle.waitForTurn({ sleep: time.sleep, pollMs: 1000 })).toBe(300);
    // Time spent elsewhere since the burst (an upload, a lease) counts as idle already.
    cycle.begin();
    time.advance(100);
    cycle.end(1000);
    time.advance(250);
    expect(await cycle.waitForTurn({ sleep: time.sleep, pollMs: 1000 })).toBe(50);
  });

  it('over many bursts the GPU is busy the chosen share of the time', async () => {
    for (const share of [0.25, 0.5, 0.75, 1]) {
      const time = fakeTime();
      const cycle = new DutyCycle(time.clock);
      cycle.setShare(share);
      const began = time.clock();
      let busy = 0;
      for (let i = 0; i < 20; i++) {
        await cycle.waitForTurn({ sleep: time.sleep });
        cycle.begin();
        const ms = 60 + ((i * 37) % 80); // bursts of uneven length
        time.advance(ms);
        busy += ms;
        cycle.end(ms);
      }
      await cycle.waitForTurn({ sleep: time.sleep });
      // Within the millisecond a gap may end early by.
      expect(busy / (time.clock() - began)).toBeCloseTo(share, 2);
    }
  });

  it('applies a new share while it waits', async () => {
    const time = fakeTime();
    const cycle = new DutyCycle(time.clock);
    cycle.setShare(0.25);
    cycle.begin();
    time.advance(100);
    cycle.end(1);
    // 300 ms owed at 25 %; after the first 100 ms sleep the contributor moves to full speed.
    const waited = await cycle.waitForTurn({
      sleep: async (ms) => {
        await time.sleep(ms);
        cycle.setShare(1);
      },
      pollMs: 100,
    });
    expect(waited).toBe(100);
    expect(time.sleeps).toEqual([100]);
  });

  it('stops waiting when the render is cancelled', async () => {
    const time = fakeTime();
    const cycle = new DutyCycle(time.clock);
    cycle.setShare(0.25);
    cycle.begin();
    time.advance(1000);
    cycle.end(1);
    let stopped = false;
    const waited = await cycle.waitForTurn({
      sleep: async (ms) => {
        await time.sleep(ms);
        stopped = true;
      },
      stopped: () => stopped,
    });
    expect(waited).toBe(100);
  });

  it('estimates the work left from the last burst and keeps the unit inside its lease', async () => {
    const time = fakeTime();
    const cycle = new DutyCycle(time.clock);
    cycle.setShare(0.25);
    cycle.begin();
    time.advance(100);
    cycle.end(10); // 10 ms per unit of work
    expect(cycle.estimateMs(30)).toBe(300);
    const waited = await cycle.waitForTurn({
      sleep: time.sleep,
      pollMs: 10_000,
      lease: () => ({ msLeft: LEASE_MARGIN_MS + 200, busyLeftMs: cycle.estimateMs(30) }),
    });
    expect(waited).toBe(0);
  });
});
