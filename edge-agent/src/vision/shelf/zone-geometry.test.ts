import { describe, expect, it } from 'vitest';
import { chordAt, pointInPolygon, unionArea, unionLength } from './zone-geometry.ts';

describe('zone geometry', () => {
  it('tells inside from outside of a concave polygon', () => {
    const L = [[0, 0], [4, 0], [4, 1], [1, 1], [1, 4], [0, 4]] as const;
    expect(pointInPolygon(0.5, 3, L)).toBe(true);
    expect(pointInPolygon(3, 0.5, L)).toBe(true);
    expect(pointInPolygon(3, 3, L)).toBe(false);
    expect(pointInPolygon(-1, 0.5, L)).toBe(false);
  });

  it('measures unions without double counting overlaps', () => {
    expect(unionLength([[0, 2], [1, 3], [5, 6], [6, 6]])).toBe(4);
    expect(unionArea([[0, 0, 2, 2], [1, 1, 3, 3]])).toBe(7);
    expect(unionArea([[0, 0, 2, 2], [0, 0, 2, 2], [5, 5, 6, 6]])).toBe(5);
    expect(unionArea([])).toBe(0);
  });

  it('measures the horizontal chord through a polygon', () => {
    const sheared = [[10, 0], [110, 0], [100, 50], [0, 50]] as const; // 100 wide at every height, bounds 110
    expect(chordAt(sheared, 25)).toEqual([5, 105]);
    expect(chordAt(sheared, 60)).toBeUndefined();
  });
});
