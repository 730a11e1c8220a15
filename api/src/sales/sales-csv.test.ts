import { describe, expect, it } from 'vitest';
import { csvField, salesCsv } from './sales-csv.ts';
import { wantsCsv } from './sales.routes.ts';

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\r\nlines', '"two\r\nlines"'],
    ['lf\nonly', '"lf\nonly"'],
    ['', ''],
    [-40.5, '-40.5'],
  ] as const)('writes %j as %j', (value, field) => {
    expect(csvField(value)).toBe(field);
  });
});

describe('salesCsv', () => {
  it('rows by time then key, formula-looking text defused, numbers untouched', () => {
    const sut = salesCsv({
      storeId: 's',
      bucket: '1h',
      groupBy: 'category',
      series: [
        { key: '=cmd', buckets: [{ t: '2026-01-01T01:00:00.000Z', quantity: -1, net: -2.5, lines: 1 }] },
        {
          key: 'b',
          buckets: [
            { t: '2026-01-01T00:00:00.000Z', quantity: 1, net: 2, lines: 1 },
            { t: '2026-01-01T01:00:00.000Z', quantity: 3, net: 4, lines: 2 },
          ],
        },
      ],
    });

    expect(sut).toBe(
      't,category,quantity,net,lines\r\n' +
        '2026-01-01T00:00:00.000Z,b,1,2,1\r\n' +
        "2026-01-01T01:00:00.000Z,'=cmd,-1,-2.5,1\r\n" +
        '2026-01-01T01:00:00.000Z,b,3,4,2\r\n',
    );
  });

  it('writes only the header for an empty series', () => {
    expect(salesCsv({ storeId: 's', bucket: '1m', buckets: [] })).toBe(
      't,orders,items,gross,tax,discount,net,aov,cancelledOrders,cancelledNet,refundedOrders,refundedNet\r\n',
    );
  });
});

describe('wantsCsv', () => {
  it.each([
    [undefined, undefined, false],
    [undefined, 'text/csv', true],
    [undefined, 'application/json, text/csv;q=0.5', true],
    [undefined, 'text/csv;q=0', false],
    [undefined, 'text/html,application/xhtml+xml,*/*;q=0.8', false],
    ['json', 'text/csv', false],
    ['csv', 'application/json', true],
  ] as const)('format %s, Accept %s → %s', (format, accept, csv) => {
    expect(wantsCsv(format, accept)).toBe(csv);
  });
});
