import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@shelfsense/test';
import { describe, expect, it } from 'vitest';
import { CSV_LINE_COLUMNS, CSV_ORDER_COLUMNS, csvOrderRecords, csvRowsToOrder } from './csv-orders.ts';
import type { SourceRecord } from './json-records.ts';

const HEADER = [...CSV_ORDER_COLUMNS, ...CSV_LINE_COLUMNS];
type Row = Partial<Record<(typeof HEADER)[number], string>>;

const ORDER: Row = {
  order_id: 'c-1',
  revision: '',
  status: 'Success',
  channel: 'Dine In',
  source: 'POS',
  payment_type: 'Card',
  currency: 'inr',
  created_at: '2025-06-08 20:55:58',
  customer_phone: '+91 98450 00000',
  order_gross: '300',
  order_tax: '15',
  order_net: '315',
};
const LINE_A: Row = {
  sku: 'cof-cap',
  name: 'Cappuccino',
  category: 'Coffee',
  quantity: '2',
  unit_price: '100',
  line_total: '200',
  line_tax: '10',
};
const LINE_B: Row = { sku: 'bev-wat', name: 'Water', quantity: '4', unit_price: '25', line_tax: '5' };

const asRow = (r: Row) => Object.fromEntries(HEADER.map((c) => [c, r[c] ?? '']));
const csv = (rows: Row[]) =>
  [
    HEADER.join(','),
    ...rows.map((r) =>
      HEADER.map((c) => (/[",\n]/.test(r[c] ?? '') ? `"${(r[c] ?? '').replaceAll('"', '""')}"` : (r[c] ?? ''))).join(','),
    ),
  ].join('\n');

const dir = tempDir('shelfsense-csv');
async function read(text: string): Promise<SourceRecord[]> {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(path, text);
  const out: SourceRecord[] = [];
  for await (const r of csvOrderRecords(path, { timeZone: 'Asia/Kolkata' })) out.push(r);
  return out;
}

describe('csvRowsToOrder', () => {
  it('builds one generic order from its rows, reading a local created_at in the store zone', () => {
    const result = csvRowsToOrder(
      [
        { line: 2, row: asRow({ ...ORDER, ...LINE_A }) },
        { line: 3, row: asRow({ order_id: 'c-1', ...LINE_B }) },
      ],
      'Asia/Kolkata',
    );

    expect(result).toEqual({
      ok: true,
      value: {
        orderId: 'c-1',
        revision: 0,
        status: 'completed',
        channel: 'dine_in',
        source: 'pos',
        paymentType: 'card',
        currency: 'INR',
        createdAt: '2025-06-08T15:25:58.000Z',
        customerPhone: '+91 98450 00000',
        totals: { gross: 300, tax: 15, discount: 0, delivery: 0, packaging: 0, service: 0, roundOff: 0, net: 315 },
        lines: [
          {
            sku: 'cof-cap',
            name: 'Cappuccino',
            category: 'Coffee',
            quantity: 2,
            unitPrice: 100,
            total: 200,
            tax: 10,
            discount: 0,
          },
          // line_total left empty: quantity × unit price
          { sku: 'bev-wat', name: 'Water', quantity: 4, unitPrice: 25, total: 100, tax: 5, discount: 0 },
        ],
      },
    });
  });

  it('keeps an ISO created_at with its offset as it is', () => {
    const result = csvRowsToOrder(
      [{ line: 2, row: asRow({ ...ORDER, created_at: '2025-06-08T20:55:58+05:30', ...LINE_A }) }],
      'UTC',
    );
    expect(result.ok && result.value.createdAt).toBe('2025-06-08T20:55:58+05:30');
  });

  it('names the column of every bad cell', () => {
    const result = csvRowsToOrder(
      [
        {
          line: 7,
          row: asRow({ ...ORDER, channel: 'drive thru', order_net: 'lots', created_at: 'yesterday', revision: '-1', ...LINE_A }),
        },
      ],
      'UTC',
    );
    expect(result).toEqual({
      ok: false,
      reason:
        'revision: expected a non-negative integer, got "-1"; channel: unknown channel "drive thru"; ' +
        'created_at: expected ISO-8601 with an offset or a local "YYYY-MM-DD HH:mm:ss", got "yesterday"; ' +
        'order_net: expected a number, got "lots"',
    });
  });

  it('names the line of a bad line cell and of an order cell that disagrees with the first row', () => {
    const result = csvRowsToOrder(
      [
        { line: 2, row: asRow({ ...ORDER, ...LINE_A }) },
        { line: 3, row: asRow({ ...ORDER, order_net: '999', ...LINE_B, quantity: 'two' }) },
      ],
      'UTC',
    );
    expect(result).toEqual({
      ok: false,
      reason: 'line 3: order_net "999" differs from the order\'s first row; line 3: quantity: expected a number, got "two"',
    });
  });

  it('treats a row without sku, name and quantity as an order without items', () => {
    const result = csvRowsToOrder(
      [{ line: 2, row: asRow({ ...ORDER, order_gross: '0', order_tax: '0', order_net: '0' }) }],
      'UTC',
    );
    expect(result.ok && result.value.lines).toEqual([]);
  });
});

describe('csvOrderRecords', () => {
  it('groups consecutive rows by (order_id, revision)', async () => {
    const records = await read(
      csv([
        { ...ORDER, ...LINE_A },
        { order_id: 'c-1', ...LINE_B },
        { ...ORDER, revision: '1', status: 'cancelled', ...LINE_A },
        { ...ORDER, order_id: 'c-2', ...LINE_A },
      ]),
    );
    expect(
      records.map((r) =>
        r.ok ? [r.line, (r.value as { orderId: string; revision: number; lines: unknown[] }).orderId] : r.reason,
      ),
    ).toEqual([
      [2, 'c-1'],
      [4, 'c-1'],
      [5, 'c-2'],
    ]);
    expect(records.map((r) => r.ok && (r.value as { revision: number; lines: unknown[] }).lines.length)).toEqual([2, 1, 1]);
  });

  it('rejects a row with the wrong number of fields and goes on', async () => {
    const text = `${csv([{ ...ORDER, ...LINE_A }])}\nc-x,1,2\n${csv([{ ...ORDER, order_id: 'c-3', ...LINE_A }]).split('\n')[1]}`;
    const records = await read(text);
    expect(records.map((r) => (r.ok ? 'ok' : `${r.line}: ${r.reason}`))).toEqual([
      'ok',
      `3: row has 3 fields, the header has ${HEADER.length}`,
      'ok',
    ]);
  });

  it('fails when required columns are missing from the header', async () => {
    await expect(read('order_id,sku\n1,a\n')).rejects.toThrow(
      'CSV header is missing required column(s): channel, currency, created_at, order_gross, order_net',
    );
  });
});
