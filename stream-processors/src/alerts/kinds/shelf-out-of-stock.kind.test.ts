import type { ZoneStateInput } from '@shelfsense/db';
import { describe, expect, it } from 'vitest';
import { makeRule } from './kind-fixtures.ts';
import { shelfOutOfStock } from './shelf-out-of-stock.kind.ts';

const NOW = new Date('2026-11-02T10:00:00Z');
const zone = (o: Partial<ZoneStateInput>): ZoneStateInput => ({
  storeId: 's1',
  cameraId: 'cam-1',
  zoneId: 'z1',
  sku: 'sku-1',
  state: 'ok',
  fillRatio: 0.9,
  frameAt: NOW,
  stateSince: new Date('2026-11-02T09:00:00Z'),
  ...o,
});
const inputs = (zones: ZoneStateInput[]) => Map.groupBy(zones, (z) => z.storeId);

describe('shelf_out_of_stock', () => {
  it('observes every zone of the rule’s store, active in the rule’s states, since the state began', () => {
    const sut = shelfOutOfStock.evaluate(
      inputs([
        zone({ zoneId: 'z1', state: 'empty', fillRatio: 0.05 }),
        zone({ zoneId: 'z2', state: 'low' }),
        zone({ storeId: 's2', zoneId: 'z9', state: 'empty' }),
      ]),
      makeRule('shelf_out_of_stock', {}),
      { now: NOW, open: new Set() },
    );
    expect(sut).toEqual([
      expect.objectContaining({
        subject: 'zone:cam-1/z1',
        active: true,
        value: 0.05,
        labels: { camera: 'cam-1', zone: 'z1', sku: 'sku-1' },
        annotations: { sku: 'sku-1', state: 'empty' },
        since: new Date('2026-11-02T09:00:00Z'),
      }),
      expect.objectContaining({ subject: 'zone:cam-1/z2', active: false }),
    ]);
  });

  it('covers low as well when asked, and only the listed zones', () => {
    const rule = makeRule('shelf_out_of_stock', { states: ['low', 'empty'], zoneIds: ['z2'] });
    const sut = shelfOutOfStock.evaluate(
      inputs([zone({ zoneId: 'z1', state: 'empty' }), zone({ zoneId: 'z2', state: 'low' })]),
      rule,
      { now: NOW, open: new Set() },
    );
    expect(sut.map((o) => [o.subject, o.active])).toEqual([['zone:cam-1/z2', true]]);
  });

  it('describes itself', () => {
    expect(shelfOutOfStock.describe(makeRule('shelf_out_of_stock', { states: ['low', 'empty'] }).spec)).toBe(
      'Shelf zone low or empty',
    );
  });
});
