/** A rectangle of pixels, in image coordinates (y down). */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Tile extends Region {
  index: number;
}
