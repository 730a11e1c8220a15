import { describe, expect, it } from 'vitest';
import { makeAlert } from './alert-fixtures.ts';
import { headline, kindLabel, subjectLabel } from './alert-labels.ts';

describe('labels', () => {
  it('spells out subjects and kinds', () => {
    expect(subjectLabel('zone:cam-drinks/bev-col')).toBe('Zone bev-col · cam-drinks');
    expect(subjectLabel('camera:cam-1')).toBe('Camera cam-1');
    expect(subjectLabel('store')).toBe('Whole store');
    expect(subjectLabel('weird')).toBe('weird');
    expect(kindLabel('shelf_out_of_stock')).toBe('Shelf out of stock');
    expect(kindLabel('new_kind')).toBe('New kind');
  });

  it('heads a wall alert with the product name when the catalog has one', () => {
    const names = new Map([['bev-col', 'Cola 330ml']]);
    expect(headline(makeAlert(), names)).toBe('Cola 330ml: shelf empty');
    expect(headline(makeAlert({ annotations: { sku: 'bev-col' }, summary: 'No sale for 3 h' }), names)).toBe(
      'Cola 330ml: No sale for 3 h',
    );
    expect(headline(makeAlert({ annotations: { sku: 'unknown' } }), names)).toBe('Zone bev-col on cam-drinks (bev-col) is empty');
  });
});
