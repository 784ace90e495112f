import type { JobView } from '../protocol/api-types';

/**
 * Applies a `job-delta` event (lib/work/job-event-stream.ts: the job now, with only the tiles that changed
 * since the stream's last event) to the view the page holds. A delta no newer than the view says nothing;
 * the page's view is never older than the stream's last event (it keeps the newest it saw), so replacing
 * the changed tiles by index gives the whole job now.
 */
export function mergeJobDelta(view: JobView, delta: JobView): JobView {
  if (delta.id !== view.id || delta.version <= view.version) return view;
  if (delta.tiles.length === 0) return { ...delta, tiles: view.tiles };
  const tiles = view.tiles.slice();
  for (const tile of delta.tiles) tiles[tile.index] = tile;
  return { ...delta, tiles };
}
