import { describe, expect, it } from 'vitest';
import {
  CONSENT_VERSION,
  createContributorStore,
  memoryStorage,
  readPreferences,
  SPEED_WINDOW_MS,
  STORAGE_KEY,
  type UnitTiming,
  withUnitTiming,
} from './contributor-store';

describe('contributor preferences', () => {
  it('keeps consent, intensity and the hidden-tab choice, and nothing else, across page loads', async () => {
    const storage = memoryStorage();
    const first = createContributorStore({}, { storage });
    await first.persist.rehydrate();
    expect(first.getState()).toMatchObject({ preferencesLoaded: true, consent: null, intensity: 0.5 });
    first.setState({
      consent: { version: CONSENT_VERSION, at: 1234 },
      intensity: 0.25,
      pauseWhenHidden: true,
      unitsDone: 7,
    });
    const stored = JSON.parse(storage.getItem(STORAGE_KEY) as string);
    expect(stored.state).toEqual({
      consent: { version: CONSENT_VERSION, at: 1234 },
      intensity: 0.25,
      pauseWhenHidden: true,
    });

    // The next visit starts from the stored choices once it rehydrates, not before.
    const second = createContributorStore({}, { storage });
    expect(second.getState()).toMatchObject({ preferencesLoaded: false, consent: null });
    await second.persist.rehydrate();
    expect(second.getState()).toMatchObject({
      preferencesLoaded: true,
      consent: { version: CONSENT_VERSION, at: 1234 },
      intensity: 0.25,
      pauseWhenHidden: true,
      unitsDone: 0,
    });

    // Withdrawing is remembered too.
    second.setState({ consent: null });
    const third = createContributorStore({}, { storage });
    await third.persist.rehydrate();
    expect(third.getState().consent).toBeNull();
  });

  it('writes nothing before it has read the stored choices, so a fresh tab cannot erase them', async () => {
    const storage = memoryStorage();
    const given = createContributorStore({}, { storage });
    await given.persist.rehydrate();
    given.setState({ consent: { version: CONSENT_VERSION, at: 1 } });
    const fresh = createContributorStore({}, { storage });
    fresh.setState({ status: 'probing' });
    await fresh.persist.rehydrate();
    expect(fresh.getState().consent).toEqual({ version: CONSENT_VERSION, at: 1 });
  });

  it('does not write its old choices back over a consent another tab withdrew', async () => {
    const storage = memoryStorage();
    const a = createContributorStore({}, { storage });
    await a.persist.rehydrate();
    a.setState({ consent: { version: CONSENT_VERSION, at: 1 } });
    const b = createContributorStore({}, { storage });
    await b.persist.rehydrate();
    a.setState({ consent: null });
    // Tab b keeps working (its state changes) before it hears of the withdrawal.
    b.setState({ unitsDone: 1, activity: 'rendering' });
    await b.persist.rehydrate();
    expect(b.getState().consent).toBeNull();
  });

  it('asks again for consent given to an older explanation, and ignores values that make no sense', () => {
    expect(readPreferences({ consent: { version: CONSENT_VERSION - 1, at: 5 } }).consent).toBeNull();
    expect(readPreferences({ consent: { version: CONSENT_VERSION, at: 'yesterday' } }).consent).toBeNull();
    expect(readPreferences({ intensity: 7, pauseWhenHidden: 'yes' })).toEqual({
      consent: null,
      intensity: 1,
      pauseWhenHidden: false,
    });
    expect(readPreferences(null)).toEqual({ consent: null, intensity: 0.5, pauseWhenHidden: false });
  });

  it('starts from the defaults when the stored entry is not JSON', async () => {
    const storage = memoryStorage();
    storage.setItem(STORAGE_KEY, '{not json');
    const store = createContributorStore({}, { storage });
    await store.persist.rehydrate();
    expect(store.getState()).toMatchObject({ preferencesLoaded: true, consent: null, intensity: 0.5 });
  });
});

describe('recent speed', () => {
  const unit = (endedAt: number, renderMs = 400, gpuMs = 100): UnitTiming => ({
    pixelSamples: 1000,
    renderMs,
    gpuMs,
    endedAt,
  });

  it('reports wall speed, GPU speed and the share of time the GPU was busy', () => {
    let state = withUnitTiming({ recentUnits: [] }, unit(10_000));
    expect(state).toMatchObject({ samplesPerSecond: 2500, gpuSamplesPerSecond: 10_000, gpuShare: 0.25 });
    // A second unit 600 ms later (200 ms spent leasing and uploading between them): 200 ms busy of 1000 ms.
    state = withUnitTiming(state, unit(10_600));
    expect(state.gpuShare).toBeCloseTo(0.2, 9);
    expect(state.samplesPerSecond).toBe(2500);
  });

  it('forgets units older than the window', () => {
    let state = withUnitTiming({ recentUnits: [] }, unit(0, 1000, 1000));
    state = withUnitTiming(state, unit(SPEED_WINDOW_MS + 1, 400, 100));
    expect(state.recentUnits).toHaveLength(1);
    expect(state.gpuShare).toBe(0.25);
    for (let i = 2; i < 10; i++) state = withUnitTiming(state, unit(SPEED_WINDOW_MS + i * 400));
    expect(state.recentUnits).toHaveLength(5);
  });
});
