/** The Lumengrid mark: a 3×3 grid of tiles converging from dark to light, like a render coming in. */
export function Logo({ size = 28 }: { size?: number }) {
  const tiles = [0.95, 0.75, 0.55, 0.75, 0.55, 0.35, 0.55, 0.35, 0.18];
  return (
    <svg width={size} height={size} viewBox="0 0 30 30" aria-hidden="true" focusable="false">
      {tiles.map((opacity, i) => (
        <rect
          // biome-ignore lint/suspicious/noArrayIndexKey: a fixed picture; the index is the tile
          key={i}
          x={1 + (i % 3) * 10}
          y={1 + Math.floor(i / 3) * 10}
          width={8}
          height={8}
          rx={1.5}
          fill="var(--accent)"
          opacity={opacity}
        />
      ))}
    </svg>
  );
}
