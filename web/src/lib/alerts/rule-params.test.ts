import { describe, expect, it } from 'vitest';
import { fromFormValue, initialParams, paramFieldsOf } from './rule-params.ts';

describe('rule params from the schema', () => {
  it('reads types, bounds, options and requiredness off the kind schema', () => {
    const fields = paramFieldsOf('threshold');
    expect(fields.map((f) => f.key)).toEqual(['metric', 'windowMinutes', 'op', 'value', 'resolveValue', 'zoneId', 'sku']);
    expect(fields.find((f) => f.key === 'windowMinutes')).toMatchObject({ type: 'number', min: 1, max: 1440, integer: true, required: false });
    expect(fields.find((f) => f.key === 'value')).toMatchObject({ type: 'number', min: null, max: null, integer: false, required: true });
    expect(fields.find((f) => f.key === 'op')).toMatchObject({ type: 'choice', options: ['below', 'above'], required: true });
    expect(fields.find((f) => f.key === 'sku')).toMatchObject({ type: 'text', required: false, label: 'SKU' });
    expect(paramFieldsOf('shelf_out_of_stock')).toMatchObject([
      { key: 'states', type: 'choices', options: ['low', 'empty'] },
      { key: 'zoneIds', type: 'list' },
    ]);
  });

  it('starts from the schema defaults, then the editor’s starting values', () => {
    expect(initialParams('sales_anomaly')).toEqual({ weeks: 4, deviations: 3, direction: 'below', minBaselineNet: 0 });
    expect(initialParams('shelf_out_of_stock')).toEqual({ states: ['empty'], zoneIds: '' });
    expect(initialParams('heartbeat_stale')).toEqual({ minutes: 10, target: 'any' });
    expect(initialParams('threshold')).toMatchObject({ metric: 'zone_fill', op: 'below', value: 0.2, resolveValue: null, sku: '' });
  });

  it('leaves empty inputs out of the body', () => {
    const [states, zoneIds] = paramFieldsOf('shelf_out_of_stock');
    expect(fromFormValue(zoneIds!, ' , ')).toBeUndefined();
    expect(fromFormValue(states!, [])).toEqual([]);
    const value = paramFieldsOf('threshold').find((f) => f.key === 'value')!;
    expect(fromFormValue(value, null)).toBeUndefined();
    expect(fromFormValue(value, '')).toBeUndefined();
    expect(fromFormValue(value, 0)).toBe(0);
  });
});
