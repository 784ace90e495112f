import type { Region } from '../protocol/region';

/**
 * Carving work at lease time (docs/design.md, "Work"). A job is a grid of tiles, each with a sample frontier:
 * samples [0, frontier) of its pixels already belong to some unit. A lease carves the next unit for the
 * device that asks, sized to its budget of pixel-samples:
 *
 * - samples first: one tile and as many samples as the budget buys (result bytes depend on pixels, not on
 *   samples, so a fast GPU gets long units that cost the coordinator the same as short ones);
 * - then pixels: once a tile's remaining samples fit the budget, the unit spans a rectangle of tiles that
 *   share the frontier (a run of tiles in one tile row, or whole tile rows), up to `maxPixels`, up to the
 *   whole frame.
 *
 * Small units continue the tile that small units already nibble (the highest unfinished frontier), so fresh
 * tiles stay whole for the big units of fast devices; big units take fresh tiles in image order.
 * Pure: the caller reads the frontiers and writes the unit back in one transaction.
 */

export interface TileGrid {
  /** Image size in pixels and the tile edge; edge tiles are cropped to the image. */
  width: number;
  height: number;
  tileSize: number;
}

export interface CarvedUnit {
  /** Tiles of the unit, row-major; the first is its top-left tile. */
  tiles: number[];
  region: Region;
  sampleStart: number;
  sampleEnd: number;
}

export function gridColumns(grid: TileGrid): number {
  return Math.ceil(grid.width / grid.tileSize);
}

export function gridRows(grid: TileGrid): number {
  return Math.ceil(grid.height / grid.tileSize);
}

function tileRegion(grid: TileGrid, index: number): Region {
  const cols = gridColumns(grid);
  const x = (index % cols) * grid.tileSize;
  const y = Math.floor(index / cols) * grid.tileSize;
  return {
    x,
    y,
    width: Math.min(grid.tileSize, grid.width - x),
    height: Math.min(grid.tileSize, grid.height - y),
  };
}

/**
 * The next unit for a device with `budget` pixel-samples, or null when every tile's frontier reached
 * `samplesPerPixel`. `frontiers[i]` is tile i's frontier (row-major).
 */
export function carveUnit(
  grid: TileGrid,
  frontiers: ArrayLike<number>,
  samplesPerPixel: number,
  budget: number,
  maxPixels: number,
  /** Fewest samples a unit may have (independent-seed replicas need a few to estimate variance). */
  minSamples = 1,
): CarvedUnit | null {
  const cols = gridColumns(grid);
  const count = frontiers.length;
  let lowest = -1;
  let partial = -1;
  for (let i = 0; i < count; i++) {
    const f = frontiers[i] as number;
    if (f >= samplesPerPixel) continue;
    if (lowest < 0 || f < (frontiers[lowest] as number)) lowest = i;
    if (f > 0 && (partial < 0 || f > (frontiers[partial] as number))) partial = i;
  }
  if (lowest < 0) return null;

  const tilePixels = grid.tileSize * grid.tileSize;
  const samplesAffordable = Math.max(minSamples, Math.floor(budget / tilePixels));
  // A small unit: one tile and what the budget buys, on the tile small units already work on.
  const first = partial >= 0 ? partial : lowest;
  const frontier = frontiers[first] as number;
  const left = samplesPerPixel - frontier;
  // Never leave a remainder too short to be a unit of its own (replicas need a few samples each).
  const take = left - samplesAffordable < minSamples ? left : samplesAffordable;
  if (take < left) {
    return {
      tiles: [first],
      region: tileRegion(grid, first),
      sampleStart: frontier,
      sampleEnd: frontier + take,
    };
  }
  // A big unit: the rest of the samples of a rectangle of tiles sharing one frontier, from that tile on
  // (a nibbled tile is finished off first, so it does not linger to the end of the job).
  const remaining = samplesPerPixel - frontier;
  const pixelBudget = Math.min(maxPixels, Math.max(tilePixels, Math.floor(budget / remaining)));
  const tiles = [first];
  const origin = tileRegion(grid, first);
  let region: Region = { ...origin };
  const column = first % cols;
  // Grow right along the tile row.
  for (let next = first + 1; next % cols !== 0 && next < count; next++) {
    const r = tileRegion(grid, next);
    if ((frontiers[next] as number) !== frontier) break;
    if ((region.width + r.width) * region.height > pixelBudget) break;
    tiles.push(next);
    region = { ...region, width: region.width + r.width };
  }
  // A unit that spans whole tile rows may grow down by whole rows.
  if (column === 0 && tiles.length === cols) {
    for (let row = Math.floor(first / cols) + 1; row < gridRows(grid); row++) {
      const rowTiles = Array.from({ length: cols }, (_, c) => row * cols + c);
      if (rowTiles.some((t) => (frontiers[t] as number) !== frontier)) break;
      const rowHeight = tileRegion(grid, row * cols).height;
      if (region.width * (region.height + rowHeight) > pixelBudget) break;
      tiles.push(...rowTiles);
      region = { ...region, height: region.height + rowHeight };
    }
  }
  return { tiles, region, sampleStart: frontier, sampleEnd: samplesPerPixel };
}

/**
 * How many pixel-samples the next unit of a session should hold (docs/design.md, "Work"): a few seconds of
 * the speed the coordinator measured for it, never more than GROWTH times its last unit (a measure taken on a
 * tiny unit is mostly round trip), and a safe first unit for a newcomer whatever it claims.
 */
export const UNIT_SIZING = {
  /** Seconds of the device's measured speed a unit aims at. */
  targetSeconds: 3,
  /** A newcomer's first unit: about a second on a software GPU (SwiftShader, ~0.05–0.1 M pixel-samples/s). */
  firstUnit: 64 * 64 * 16,
  /** The most a unit may grow over the last one given to the same session. */
  growth: 8,
  /** Bounds of any unit's budget. */
  min: 4096,
  max: 2 ** 40,
} as const;

export function unitBudget(session: { speed: number | null; lastBudget: number | null }): number {
  if (session.speed === null || !(session.speed > 0)) return UNIT_SIZING.firstUnit;
  const wanted = session.speed * UNIT_SIZING.targetSeconds;
  const cap = (session.lastBudget ?? UNIT_SIZING.firstUnit) * UNIT_SIZING.growth;
  return Math.round(Math.min(UNIT_SIZING.max, Math.max(UNIT_SIZING.min, Math.min(wanted, cap))));
}

/**
 * The session's speed after one more timed unit: pixel-samples over the time since it last submitted or
 * since the unit was leased, whichever is later (with a unit leased ahead, the time between submissions is
 * the render time). An even blend with the previous measure follows a device that speeds up or slows down.
 */
/** The shortest time a submission is credited with: about a round trip. */
export const MIN_TIMED_SECONDS = 0.1;

/** Work shorter than this at the known speed is timed mostly by round trips (see nextSpeed). */
export const NETWORK_BOUND_SECONDS = 0.25;

export function nextSpeed(
  previous: number | null,
  unit: { pixelSamples: number; leasedAt: number },
  lastSubmitAt: number | null,
  now: number,
): number {
  const began = Math.max(unit.leasedAt, lastSubmitAt ?? 0);
  // No device answers faster than a round trip, and no measure moves more than GROWTH at once: results sent
  // in a burst (honestly, or to look fast) do not buy oversized units.
  const seconds = Math.max(MIN_TIMED_SECONDS, (now - began) / 1000);
  const measured = unit.pixelSamples / seconds;
  if (previous === null || !(previous > 0)) return measured;
  const blended = (previous + Math.min(measured, previous * UNIT_SIZING.growth)) / 2;
  // Work the known speed renders in about a round trip (a spot check of a few pixels, the tail of a tile)
  // times the network, not the device: it may show the device is faster, never that it is slower.
  if (unit.pixelSamples < previous * NETWORK_BOUND_SECONDS) return Math.max(previous, blended);
  return blended;
}
