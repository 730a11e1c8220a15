/** A point in normalized image coordinates (0..1 on both axes, origin top-left). */
export type NormalizedPoint = readonly [x: number, y: number];

/** x1, y1, x2, y2 in pixels. */
export type PixelBox = readonly [number, number, number, number];

/** Even-odd ray casting; points exactly on an edge may go either way. */
export function pointInPolygon(x: number, y: number, polygon: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function toPixels(polygon: readonly NormalizedPoint[], width: number, height: number): Array<readonly [number, number]> {
  return polygon.map(([x, y]) => [x * width, y * height] as const);
}

export function boundsOf(points: ReadonlyArray<readonly [number, number]>): PixelBox {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const [x, y] of points) {
    x1 = Math.min(x1, x);
    y1 = Math.min(y1, y);
    x2 = Math.max(x2, x);
    y2 = Math.max(y2, y);
  }
  return [x1, y1, x2, y2];
}

/**
 * The horizontal chord through the polygon at height `y` (outermost crossings, left to right), or
 * undefined when the line misses it. A zone drawn as a sheared or slightly rotated quad spans this
 * along the shelf, while its bounding box is wider by the skew.
 */
export function chordAt(polygon: ReadonlyArray<readonly [number, number]>, y: number): [left: number, right: number] | undefined {
  let left = Infinity;
  let right = -Infinity;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y === yj > y) continue;
    const x = xi + ((y - yi) * (xj - xi)) / (yj - yi);
    left = Math.min(left, x);
    right = Math.max(right, x);
  }
  return right > left ? [left, right] : undefined;
}

export function clipBox(b: PixelBox, to: PixelBox): PixelBox | undefined {
  const x1 = Math.max(b[0], to[0]);
  const y1 = Math.max(b[1], to[1]);
  const x2 = Math.min(b[2], to[2]);
  const y2 = Math.min(b[3], to[3]);
  return x2 > x1 && y2 > y1 ? [x1, y1, x2, y2] : undefined;
}

export function area(b: PixelBox): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

/** Area of the union of axis-aligned boxes (coordinate compression; fine for a few hundred boxes). */
export function unionArea(boxes: readonly PixelBox[]): number {
  if (boxes.length === 0) return 0;
  const xs = [...new Set(boxes.flatMap((b) => [b[0], b[2]]))].sort((a, b) => a - b);
  let total = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    const left = xs[i]!;
    const right = xs[i + 1]!;
    const spans = boxes.filter((b) => b[0] <= left && b[2] >= right).map((b) => [b[1], b[3]] as const);
    total += (right - left) * unionLength(spans);
  }
  return total;
}

/** Length of the union of 1-D intervals. */
export function unionLength(intervals: ReadonlyArray<readonly [number, number]>): number {
  const sorted = [...intervals].filter(([a, b]) => b > a).sort((p, q) => p[0] - q[0]);
  let total = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const [a, b] of sorted) {
    if (a > end) {
      if (end > start) total += end - start;
      start = a;
      end = b;
    } else if (b > end) {
      end = b;
    }
  }
  if (end > start) total += end - start;
  return total;
}
