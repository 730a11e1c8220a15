import { describe, expect, it } from 'vitest';
import { makeAlert, tracked } from './alert-fixtures.ts';
import { alertList, filtersQuery, readFilters } from './alert-filters.ts';

describe('readFilters / filtersQuery', () => {
  it('reads the query string and writes it back without defaults', () => {
    const filters = readFilters(new URLSearchParams('store=demo-blr-1&state=firing&severity=critical'));
    expect(filters).toEqual({ store: 'demo-blr-1', state: 'firing', severity: 'critical' });
    expect(filtersQuery(filters, 'al-1')).toBe('?store=demo-blr-1&state=firing&severity=critical&alert=al-1');
    expect(filtersQuery({ store: null, state: 'all', severity: null }, null)).toBe('');
  });

  it('ignores values it does not know', () => {
    expect(readFilters(new URLSearchParams('state=exploded&severity=meh&store='))).toEqual({
      store: null,
      state: 'all',
      severity: null,
    });
  });
});

describe('alertList', () => {
  const open = [
    tracked(1, { id: 'o-warn' }),
    tracked(2, { id: 'o-crit', severity: 'critical', storeId: 'b' }),
    tracked(1, { id: 'o-ack', state: 'acknowledged' }),
  ];
  const resolvedLive = [tracked(3, { id: 'r-live', state: 'resolved', resolvedAt: '2025-11-22T09:30:00.000Z' })];
  const resolvedRest = [
    makeAlert({ id: 'r-live', state: 'resolved', resolvedAt: '2025-11-22T09:30:00.000Z', summary: 'old copy' }),
    makeAlert({ id: 'r-rest', state: 'resolved', resolvedAt: '2025-11-22T09:00:00.000Z' }),
  ];
  const ids = (list: readonly { id: string }[]) => list.map((a) => a.id);

  it('shows open alerts first, then the resolved ones, preferring the live copy', () => {
    const list = alertList(open, resolvedLive, resolvedRest, { store: null, state: 'all', severity: null });
    expect(ids(list)).toEqual(['o-crit', 'o-warn', 'o-ack', 'r-live', 'r-rest']);
    expect(list[3]?.seq).toBe(3);
  });

  it('filters by store, state and severity', () => {
    expect(ids(alertList(open, resolvedLive, resolvedRest, { store: 'b', state: 'all', severity: null }))).toEqual(['o-crit']);
    expect(ids(alertList(open, resolvedLive, resolvedRest, { store: null, state: 'open', severity: 'warning' }))).toEqual([
      'o-warn',
      'o-ack',
    ]);
    expect(ids(alertList(open, resolvedLive, resolvedRest, { store: null, state: 'resolved', severity: null }))).toEqual([
      'r-live',
      'r-rest',
    ]);
    expect(ids(alertList(open, resolvedLive, resolvedRest, { store: null, state: 'acknowledged', severity: null }))).toEqual([
      'o-ack',
    ]);
  });

  it('keeps an alert resolved here out of the open group even if the board still has it open', () => {
    const stale = [tracked(1, { id: 'r-rest' })];
    expect(alertList(stale, [], resolvedRest, { store: null, state: 'all', severity: null }).map((a) => a.state)).toEqual([
      'resolved',
      'resolved',
    ]);
  });
});
