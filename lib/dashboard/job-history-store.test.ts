import { describe, expect, it } from 'vitest';
import { createJobHistoryStore } from './job-history-store';

describe('job history store', () => {
  it('records each job apart and stops once a finished job has been seen', () => {
    const store = createJobHistoryStore(() => 0);
    const { record } = store.getState();
    record({ id: 'a', status: 'rendering', pixelSamplesDone: 0 }, 1000);
    record({ id: 'b', status: 'rendering', pixelSamplesDone: 7 }, 1000);
    record({ id: 'a', status: 'rendering', pixelSamplesDone: 10 }, 2000);
    record({ id: 'a', status: 'done', pixelSamplesDone: 20 }, 3000);
    const finished = store.getState().histories.a;
    record({ id: 'a', status: 'done', pixelSamplesDone: 20 }, 9000);
    expect(store.getState().histories.a).toBe(finished);
    expect(finished?.map((s) => s.pixelSamplesDone)).toEqual([0, 10, 20]);
    expect(store.getState().histories.b).toEqual([{ at: 1000, pixelSamplesDone: 7 }]);
  });

  it('leaves the state alone for an observation that changes nothing', () => {
    const store = createJobHistoryStore();
    store.getState().record({ id: 'a', status: 'rendering', pixelSamplesDone: 5 }, 2000);
    const before = store.getState();
    store.getState().record({ id: 'a', status: 'rendering', pixelSamplesDone: 5 }, 1000); // older: ignored
    expect(store.getState()).toBe(before);
  });
});

describe('job history seeded from the coordinator', () => {
  it('puts the samples from before this tab opened ahead of its own, so a reload keeps the whole run', () => {
    const store = createJobHistoryStore(() => 0);
    store.getState().record({ id: 'a', status: 'rendering', pixelSamplesDone: 300 }, 30_000);
    store.getState().seed('a', [
      { at: 0, pixelSamplesDone: 0 },
      { at: 10_000, pixelSamplesDone: 100 },
      { at: 20_000, pixelSamplesDone: 200 },
      // the tab saw this moment itself: its own observation wins
      { at: 30_000, pixelSamplesDone: 290 },
    ]);
    expect(store.getState().histories.a).toEqual([
      { at: 0, pixelSamplesDone: 0 },
      { at: 10_000, pixelSamplesDone: 100 },
      { at: 20_000, pixelSamplesDone: 200 },
      { at: 30_000, pixelSamplesDone: 300 },
    ]);
  });
});
